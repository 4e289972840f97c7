#!/usr/bin/env bash
# cuda-ptx.sh [OUT.ptx]: compile the CUDA kernels of model/kernels/cuda (recpipe.cu,
# which includes every .cu) to PTX with nvcc. Default output:
# model/kernels/cuda/ptx/recpipe.ptx, which a later `go build -tags recpipe_cuda` embeds.
#   -fmad=false      no multiply-add contraction: the kernels mirror the Go CPU kernels,
#                    which never fuse on amd64 (GOAMD64=v1)
#   -arch=compute_90 PTX for Hopper (H100/H200); the driver JIT-compiles it at load.
#                    Override with CUDA_ARCH=compute_80 etc.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-model/kernels/cuda/ptx/recpipe.ptx}
nvcc=${NVCC:-nvcc}
command -v "$nvcc" >/dev/null || { echo "cuda-ptx: $nvcc not found (CUDA toolkit needed)" >&2; exit 1; }
"$nvcc" -ptx -fmad=false -arch="${CUDA_ARCH:-compute_90}" -o "$out" model/kernels/cuda/recpipe.cu
echo "cuda-ptx: wrote $out ($(grep -c '^.visible .entry' "$out") kernels)"
