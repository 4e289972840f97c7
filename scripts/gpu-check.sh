#!/usr/bin/env bash
# gpu-check.sh [--dry-run]: STEP 2 of the GPU flow (docs/gpu.md), the ONE prepared script
# run ON the lent GPU machine (CUDA 13 with nvcc, no Go). Device run:
#
#   command: scripts/gpu-check.sh     carry: [".cuda"]     timeout_s: 570
#
# It builds nothing with Go: it compiles the .cu to PTX with nvcc there (so the kernels
# tested are the sources in the tree), then runs the test binaries that gpu-build.sh
# built here, with RECPIPE_CUDA_PTX pointing at that PTX:
#   1. equivalence: every kernel vs the CPU kernels and cuBLAS vs gonum (cuda.test);
#      the resident SS4Rec and NCF steps vs the CPU graph — one step's gradients, the
#      copies per step, and whole training runs' loss and model.bin (accel.test)
#   2. benchmarks: scans and GEMM at the training and a GPU-filling shape (cuda.test);
#      SS4Rec and NCF epochs, CPU vs device, on ml-latest-small (whole epoch) and on
#      synthetic ML-32M-scale data (200,000 users × 160 = 32M ratings; the first
#      RECPIPE_STEPS_SYNTH=20 batches timed, the epoch extrapolated) (accel.test)
# Results go to $OUT: env.txt, ptx.log, equiv.log, equiv-accel.log, bench.log,
# bench-epoch.log, summary.txt. Budgets in seconds (each phase is cut at its own):
# EQUIV_S (120), EQUIV_ACCEL_S (90), BENCH_S (90), EPOCH_S (240); if time is short,
# rerun with smaller RECPIPE_SYNTH_USERS (the 32M-scale set's build takes about a minute
# per model on 16 cores).
#
# --dry-run runs the same flow HERE on the CPU emulation (binaries from
# `scripts/gpu-build.sh --emu`, small data, no nvcc or nvidia-smi), into $OUT or a
# temporary folder: it checks the script, not the GPU.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
dry=0
[ "${1:-}" = "--dry-run" ] && dry=1
if [ $dry = 1 ]; then
  out=${OUT:-$(mktemp -d)}
  bindir=$PWD/.cuda/emu
  export RECPIPE_STEPS_SMALL=${RECPIPE_STEPS_SMALL:-2} RECPIPE_STEPS_SYNTH=${RECPIPE_STEPS_SYNTH:-2}
  export RECPIPE_SYNTH_USERS=${RECPIPE_SYNTH_USERS:-200} RECPIPE_SYNTH_LEN=${RECPIPE_SYNTH_LEN:-40}
  export RECPIPE_SYNTH_ITEMS=${RECPIPE_SYNTH_ITEMS:-300} RECPIPE_SYNTH_BATCH=${RECPIPE_SYNTH_BATCH:-32}
else
  out=${OUT:?OUT must be set (the device tool sets it)}
  bindir=$PWD/.cuda/bin
fi
for b in cuda.test accel.test; do
  [ -x "$bindir/$b" ] || { echo "gpu-check: $bindir/$b missing: run scripts/gpu-build.sh here (--emu for a dry run) and carry .cuda" | tee "$out/summary.txt"; exit 1; }
done
{
  date -u
  echo "dry run: $dry"
  if [ $dry = 0 ]; then
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv || true
    nvcc --version | tail -n 2
  fi
  nproc
} >"$out/env.txt" 2>&1

if [ $dry = 0 ]; then
  ptx=$(mktemp -d)/recpipe.ptx
  if ! bash scripts/cuda-ptx.sh "$ptx" >"$out/ptx.log" 2>&1; then
    cat "$out/ptx.log"; echo "gpu-check: nvcc failed" | tee "$out/summary.txt"; exit 1
  fi
  nvcc -cubin -fmad=false -arch=sm_90 --resource-usage -o "${ptx%.ptx}.cubin" model/kernels/cuda/recpipe.cu >>"$out/ptx.log" 2>&1 || true
  export RECPIPE_CUDA_PTX=$ptx
else
  echo "dry run: no nvcc; the emulation compiles the .cu as C++" >"$out/ptx.log"
fi

# 1. equivalence
if [ $dry = 0 ]; then
  (cd model/kernels/cuda && timeout "${EQUIV_S:-120}" "$bindir/cuda.test" -test.v \
    -test.run 'GPUMatchesCPU|GemmMatchesCPU|EveryEntry|KernelParams|RowPlan|AdamSpan') >"$out/equiv.log" 2>&1
else
  (cd model/kernels/cuda/cuemu && timeout "${EQUIV_S:-120}" "$bindir/cuda.test" -test.v -test.short -test.run 'Emulated') >"$out/equiv.log" 2>&1
fi
equiv=$?
(cd model/accel && timeout "${EQUIV_ACCEL_S:-90}" "$bindir/accel.test" -test.v -test.run 'OnDevice|StepGradients|StepCopies|StepNonFinite|DropoutMask|CheckpointsAcross') >"$out/equiv-accel.log" 2>&1
equiv_accel=$?

# 2. benchmarks
bench=0
if [ $dry = 0 ]; then
  (cd model/kernels/cuda && timeout "${BENCH_S:-90}" "$bindir/cuda.test" -test.run '^$' -test.bench 'Scans|Gemm' \
    -test.benchtime 1x -test.v) >"$out/bench.log" 2>&1
  bench=$?
else
  echo "dry run: the scan and GEMM benchmarks need the GPU build" >"$out/bench.log"
fi
(cd model/accel && timeout "${EPOCH_S:-240}" "$bindir/accel.test" -test.run '^$' -test.bench 'SS4RecEpoch|NCFEpoch' \
  -test.benchtime 1x -test.v) >"$out/bench-epoch.log" 2>&1
epoch=$?

{
  echo "kernel equivalence: exit $equiv ($(grep -c -- '--- FAIL' "$out/equiv.log") failed, $(grep -c -- '--- PASS' "$out/equiv.log") passed)"
  grep -E -- '--- FAIL|norm err' "$out/equiv.log" | sort -t' ' -k1,1 | head -n 200
  echo "training-step equivalence: exit $equiv_accel ($(grep -c -- '--- FAIL' "$out/equiv-accel.log") failed, $(grep -c -- '--- PASS' "$out/equiv-accel.log") passed)"
  grep -E -- '--- FAIL|relative difference|worst|copies|resumed|values equal' "$out/equiv-accel.log"
  echo "scan and GEMM benchmarks: exit $bench"
  grep -E '^Benchmark|positions/s|GFLOP/s' "$out/bench.log"
  echo "epoch benchmarks: exit $epoch"
  grep -E '^Benchmark|ratings \(|steps in' "$out/bench-epoch.log"
} >"$out/summary.txt"
cat "$out/summary.txt"
[ "$equiv" -eq 0 ] && [ "$equiv_accel" -eq 0 ] && [ "$bench" -eq 0 ] && [ "$epoch" -eq 0 ]
