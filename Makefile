# recpipe — see README.md. Every target is a thin call of the binaries or of go.
SHELL := /bin/bash
GO    ?= go
BIN   := bin
FUNCS := prepare etl-day quality-check train-gpu ab-eval pipeline
PKGS   = $$($(GO) list ./... )

.PHONY: help build test lint clean
help: ## list targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

build: ## build every binary into bin/
	@mkdir -p $(BIN)
	@for f in $(FUNCS); do if [ -d functions/$$f ]; then $(GO) build -o $(BIN)/$$f ./functions/$$f || exit 1; fi; done

lint: ## go vet the project's own packages
	$(GO) vet ./...

test: lint ## vet, then the whole test suite (race detector)
	$(GO) test -race -count=1 ./...

clean: ## remove build outputs
	rm -rf $(BIN) dist
