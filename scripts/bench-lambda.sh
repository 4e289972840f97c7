#!/usr/bin/env bash
# Benchmark the two Lambda functions under the AWS Lambda Runtime Interface Emulator at
# ML-32M scale (make lambda-bench: BenchmarkEmulatorScale in infra/aws/lambdatest):
# quality-check's 20 days and ab-eval's 20-day re-evaluation on synthetic-32000000 in a
# throw-away MinIO. The figures behind MemorySize and Timeout in infra/aws/template.yaml
# (infra/aws/sizing.go). An hour or more on 2 cores.
#   scripts/bench-lambda.sh
#   RECPIPE_LAMBDA_BENCH_ROWS=4000000 scripts/bench-lambda.sh   # a smaller dataset
set -euo pipefail
cd "$(dirname "$0")/.."
make lambda-bench
