#!/usr/bin/env bash
# gpu-build.sh [cuda-sdk.tar.gz | --emu]: STEP 1b of the GPU flow (docs/gpu.md), run HERE
# (no GPU, no CUDA installed). It unpacks the SDK that gpu-collect-sdk.sh brought back
# into .cuda/ (git-ignored), puts the PTX compiled there in
# model/kernels/cuda/ptx/ (embedded), and builds the recpipe_cuda-tagged test binaries
# against the headers and link stubs:
#
#   .cuda/bin/cuda.test    kernel equivalence tests + scan and GEMM benchmarks (model/kernels/cuda)
#   .cuda/bin/accel.test   resident training steps vs the CPU (equivalence, copies) and the
#                          CPU-vs-device epoch benchmarks of SS4Rec and NCF (model/accel)
#
# The device run then carries .cuda (see gpu-check.sh). The binaries link the real
# libcuda.so.1 and libcublas.so.N by SONAME when they start there.
#
# --emu builds the same binaries for the CPU emulation (-tags cuemu, no SDK) into
# .cuda/emu/, which `gpu-check.sh --dry-run` runs here to check the script itself.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--emu" ]; then
  mkdir -p .cuda/emu
  go test -c -tags cuemu -o .cuda/emu/cuda.test ./model/kernels/cuda/cuemu/
  go test -c -tags cuemu -o .cuda/emu/accel.test ./model/accel/
  ls -la .cuda/emu
  echo "gpu-build: emulated binaries in .cuda/emu; next: scripts/gpu-check.sh --dry-run"
  exit 0
fi
tarball=${1:-}
if [ -n "$tarball" ]; then
  rm -rf .cuda/sdk && mkdir -p .cuda
  tar -C .cuda -xzf "$tarball" && mv .cuda/cuda-sdk .cuda/sdk
fi
[ -f .cuda/sdk/include/cuda.h ] || { echo "gpu-build: no .cuda/sdk/include/cuda.h: pass the cuda-sdk.tar.gz from gpu-collect-sdk.sh" >&2; exit 1; }
cp .cuda/sdk/recpipe.ptx model/kernels/cuda/ptx/recpipe.ptx
mkdir -p .cuda/bin
export CGO_ENABLED=1
export CGO_CFLAGS="-I$PWD/.cuda/sdk/include"
export CGO_LDFLAGS="-L$PWD/.cuda/sdk/stubs"
go vet -tags recpipe_cuda ./model/kernels/cuda/ ./model/accel/
go test -c -tags recpipe_cuda -ldflags='-s -w' -o .cuda/bin/cuda.test ./model/kernels/cuda/
go test -c -tags recpipe_cuda -ldflags='-s -w' -o .cuda/bin/accel.test ./model/accel/
ls -la .cuda/bin
echo "gpu-build: ok; next: device run of scripts/gpu-check.sh with carry [\".cuda\"]"
