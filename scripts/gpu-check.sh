#!/usr/bin/env bash
# gpu-check.sh: STEP 2 of the GPU flow (docs/gpu.md), the ONE prepared script run ON
# the lent GPU machine (CUDA 13 with nvcc, no Go). Device run:
#
#   command: scripts/gpu-check.sh     carry: [".cuda"]     timeout_s: 540
#
# It builds nothing with Go: it compiles the .cu to PTX with nvcc there (so the kernels
# tested are the sources in the tree), then runs the test binary that gpu-build.sh
# built here, with RECPIPE_CUDA_PTX pointing at that PTX:
#   1. the equivalence tests (every kernel vs the CPU kernels, cuBLAS vs gonum)
#   2. the benchmarks: scans and GEMM at the training and a GPU-filling shape, and
#      one SS4Rec epoch CPU vs GPU on ml-latest-small and on a synthetic set.
# Results go to $OUT: env.txt, ptx.log, equiv.log, bench.log, summary.txt.
# Budgets (seconds) can be lowered: EQUIV_S (120), BENCH_S (300).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
out=${OUT:?OUT must be set (the device tool sets it)}
bin=.cuda/bin/cuda.test
[ -x "$bin" ] || { echo "gpu-check: $bin missing: run scripts/gpu-build.sh here and carry .cuda" | tee "$out/summary.txt"; exit 1; }
{
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv || true
  nvcc --version | tail -n 2
  nproc
} >"$out/env.txt" 2>&1

ptx=$(mktemp -d)/recpipe.ptx
if ! bash scripts/cuda-ptx.sh "$ptx" >"$out/ptx.log" 2>&1; then
  cat "$out/ptx.log"; echo "gpu-check: nvcc failed" | tee "$out/summary.txt"; exit 1
fi
nvcc -cubin -fmad=false -arch=sm_90 --resource-usage -o "${ptx%.ptx}.cubin" model/kernels/cuda/recpipe.cu >>"$out/ptx.log" 2>&1 || true
export RECPIPE_CUDA_PTX=$ptx
test_bin=$PWD/$bin
cd model/kernels/cuda || exit 1 # the benchmarks read ../../../configs/ss4rec.yaml

timeout "${EQUIV_S:-120}" "$test_bin" -test.v -test.run 'GPUMatchesCPU|GemmMatchesCPU|EveryEntry|KernelParams|RowPlan|AdamSpan' >"$out/equiv.log" 2>&1
equiv=$?
timeout "${BENCH_S:-300}" "$test_bin" -test.run '^$' -test.bench 'Scans|Gemm|Epoch' -test.benchtime 1x -test.v >"$out/bench.log" 2>&1
bench=$?
{
  echo "equivalence: exit $equiv ($(grep -c -- '--- FAIL' "$out/equiv.log") failed, $(grep -c -- '--- PASS' "$out/equiv.log") passed)"
  grep -E -- '--- FAIL|norm err' "$out/equiv.log" | sort -t' ' -k1,1 | head -n 200
  echo "benchmarks: exit $bench"
  grep -E '^Benchmark|s/epoch|positions/s|GFLOP/s|epoch [0-9.]+s' "$out/bench.log"
} >"$out/summary.txt"
cat "$out/summary.txt"
[ "$equiv" -eq 0 ] && [ "$bench" -eq 0 ]
