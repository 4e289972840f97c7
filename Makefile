# recpipe — see README.md. Every target is a thin call of go or of the binaries in bin/;
# the GitHub workflows call these same targets.
SHELL      := /bin/bash
GO         ?= go
BIN        := bin
FUNCS      := prepare etl-day quality-check train-gpu ab-eval retrain pipeline
LAMBDAS    := quality-check ab-eval retrain
BUCKET_URL ?= file://./data
export BUCKET_URL
DATASET    ?= ml-latest-small
DAY        ?=
DAYS       ?= 1
MODEL      ?= ncf
CONFIG     ?= configs/$(MODEL).yaml
PROMOTE    ?= true
DEST       ?= results
E2E_BUCKET ?=
RESULTS_BUCKET ?= .results-bucket

.PHONY: help build build-cuda test lint bench bench-life demo results run-etl run-simulation run-quality run-ab-test run-retrain \
        status train fetch-results minio minio-stop serve lambda lambda-rie lambda-test lambda-bench workflow-e2e report-screenshot \
        cuda-test cuda-typecheck verify-ab clean fuzz

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

build: ## build every binary into bin/
	@mkdir -p $(BIN)
	@for f in $(FUNCS); do $(GO) build -o $(BIN)/$$f ./functions/$$f || exit 1; done

build-cuda: ## build train-gpu with the GPU kernels (-tags recpipe_cuda; needs CUDA headers and libraries)
	@mkdir -p $(BIN)
	$(GO) build -tags recpipe_cuda -o $(BIN)/train-gpu ./functions/train-gpu
	@for f in $(filter-out train-gpu,$(FUNCS)); do $(GO) build -o $(BIN)/$$f ./functions/$$f || exit 1; done

lint: ## go vet the project's packages
	$(GO) vet ./...

# What the Lambda emulator tests (infra/aws/lambdatest) run: the zips, the command-line
# binaries they are compared with, and the pinned emulator.
LAMBDA_TEST_ENV = RECPIPE_LAMBDA_DIST=$(CURDIR)/dist RECPIPE_LAMBDA_BIN=$(CURDIR)/$(BIN) \
                  RECPIPE_LAMBDA_RIE=$(CURDIR)/.tools/bin/aws-lambda-rie RECPIPE_REQUIRE_LAMBDA=1

# CUEMU_PKGS: the GPU training path with its .cu kernels compiled for the CPU (-tags cuemu,
# needs g++): equivalence with the CPU path in seconds, so it cannot rot without a GPU.
CUEMU_PKGS = ./model/kernels/cuda/... ./model/accel/ ./functions/internal/traingpu/

test: build lambda lambda-rie ## vet and the whole suite (race detector) against a pinned MinIO on loopback, then the emulated GPU path
	scripts/with-minio.sh bash -c '$(GO) vet ./... && $(LAMBDA_TEST_ENV) RECPIPE_LAMBDA_DAYS=1 RECPIPE_REQUIRE_MINIO=1 $(GO) test -race -count=1 -timeout 30m ./...'
	$(GO) vet -tags cuemu $(CUEMU_PKGS)
	$(GO) test -tags cuemu -short -count=1 $(CUEMU_PKGS)

lambda-rie: ## install the pinned AWS Lambda Runtime Interface Emulator into .tools/ (about a minute)
	scripts/lambda-rie.sh >/dev/null

lambda-bench: build lambda lambda-rie ## the template's sizing figures: both functions under the emulator at ML-32M scale (an hour or more)
	scripts/with-minio.sh bash -c '$(LAMBDA_TEST_ENV) RECPIPE_REQUIRE_MINIO=1 $(GO) test -count=1 -run "^$$" -bench EmulatorScale -benchtime 1x -timeout 300m -v ./infra/aws/lambdatest'

lambda-test: build lambda lambda-rie ## the Lambda zips under the Runtime Interface Emulator against MinIO, compared with the CLI (needs strace)
	scripts/with-minio.sh bash -c '$(LAMBDA_TEST_ENV) RECPIPE_REQUIRE_STRACE=1 RECPIPE_REQUIRE_MINIO=1 $(GO) test -count=1 -v -timeout 20m -run . ./infra/aws/lambdatest'

fuzz: ## run every Go fuzz target for FUZZTIME each (default 90s; FUZZ=regexp picks targets, FUZZPARALLEL=N workers)
	scripts/fuzz.sh

bench: ## the benchmarks behind the figures in the README (minutes; 32M-row synthetic data)
	scripts/bench.sh

bench-life: ## the whole life at ML-32M scale (synthetic), each stage its own process: wall time and peak memory per stage, table in logs/ (BENCH_LIFE_SCALE=0.01: a minute)
	scripts/bench-life.sh

demo: build ## the whole life on the shipped MovieLens data, in ./data
	$(BIN)/pipeline demo --bucket $(BUCKET_URL)

results: build ## every published figure from one run: the committed configs end to end on an empty bucket ($(RESULTS_BUCKET)), then docs/results.json, docs/results.md and README's quote of it
	rm -rf $(RESULTS_BUCKET)
	mkdir -p $(RESULTS_BUCKET)
	$(BIN)/pipeline demo --bucket file://$(abspath $(RESULTS_BUCKET)) --ncf-config configs/ncf.yaml --ss4rec-config configs/ss4rec.yaml
	$(BIN)/pipeline results --bucket file://$(abspath $(RESULTS_BUCKET)) --out docs --readme README.md --ablations docs/ss4rec-ablations.json

run-etl: build ## release day DAY (etl-day --day)
	@test -n "$(DAY)" || { echo "usage: make run-etl DAY=N" >&2; exit 2; }
	$(BIN)/etl-day --dataset $(DATASET) --day $(DAY)

run-simulation: build ## release the next DAYS unreleased days
	$(BIN)/etl-day --dataset $(DATASET) --simulate $(DAYS)

run-quality: build ## quality-check every released day (a checked day is a no-op)
	$(BIN)/quality-check --dataset $(DATASET) --all

run-ab-test: build ## ab-eval every day that passed its quality gate
	$(BIN)/ab-eval --dataset $(DATASET) --all

run-retrain: build ## the retrain step for every day that passed its quality gate (deployed/<model>/day=NN/)
	$(BIN)/retrain --dataset $(DATASET) --all

status: build ## where the pipeline stands, from the bucket alone
	$(BIN)/pipeline status

.PHONY: dashboard
dashboard: build ## the read-only web dashboard over BUCKET_URL (the demo's ./data) on http://127.0.0.1:8080/
	$(BIN)/pipeline dashboard --bucket $(BUCKET_URL)

train: build ## train MODEL (ncf|ss4rec) with CONFIG; PROMOTE=true writes its champion.json
	$(BIN)/train-gpu --model $(MODEL) --config $(CONFIG) --dataset $(DATASET) $(if $(filter true,$(PROMOTE)),--promote,)

fetch-results: build ## copy the etl/, quality/ and abtest/ JSON results from the bucket into DEST
	$(BIN)/pipeline fetch-results --dest $(DEST)

minio: ## start a local MinIO (pinned) on 127.0.0.1:9000 with its webhook pointed at pipeline serve
	scripts/minio-local.sh

minio-stop: ## stop the local MinIO of make minio (its data stays in .minio/)
	scripts/minio-local.sh stop

serve: build ## receive MinIO notifications and run quality-check, ab-eval and retrain (needs RECPIPE_WEBHOOK_TOKEN)
	$(BIN)/pipeline serve

lambda: ## build the Lambda bootstrap zips into dist/ (linux/amd64, provided.al2023)
	@mkdir -p dist
	@for f in $(LAMBDAS); do \
	  GOOS=linux GOARCH=amd64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -o dist/$$f/bootstrap ./functions/$$f || exit 1; \
	  $(GO) run ./infra/aws/zip dist/$$f.zip dist/$$f/bootstrap || exit 1; \
	  echo "dist/$$f.zip"; \
	done

workflow-e2e: ## replay etl-daily's steps for two nights against E2E_BUCKET (prepared, with champions)
	RECPIPE_WORKFLOW_E2E_BUCKET=$(E2E_BUCKET) $(GO) test -count=1 -run TestETLDailyTwoNights -v ./infra/workflows

report-screenshot: ## render data/abtest/report.html to dist/ab-report.png in headless Chromium (installs chromium if missing)
	@mkdir -p dist
	scripts/report-screenshot.sh data/abtest/report.html dist/ab-report.png

cuda-test: ## the CUDA kernels and the GPU training path without a GPU: compiled as C++ and compared with the CPU (needs g++)
	$(GO) test ./model/kernels/cuda/... ./model/accel/
	$(GO) test -tags cuemu $(CUEMU_PKGS)

cuda-typecheck: ## vet and compile the -tags recpipe_cuda code against stubs of gorgonia.org/cu
	scripts/cuda-typecheck.sh

verify-ab: ## recompute ab-eval's numbers in ./data from the batches and the saved models
	AB_VERIFY_BUCKET=file://$(CURDIR)/data $(GO) test ./abtest/recompute -run TestVerifyBucket -count=1 -v

clean: ## remove build outputs
	rm -rf $(BIN) dist
