#!/usr/bin/env bash
# gpu-build.sh [cuda-sdk.tar.gz]: STEP 1b of the GPU flow (docs/gpu.md), run HERE
# (no GPU, no CUDA installed). It unpacks the SDK that gpu-collect-sdk.sh brought back
# into .cuda/ (git-ignored through .git/info/exclude), puts the PTX compiled there in
# model/kernels/cuda/ptx/ (embedded), and builds the cuda-tagged test binary against
# the headers and link stubs:
#
#   .cuda/bin/cuda.test   equivalence tests + benchmarks of model/kernels/cuda
#
# The device run then carries .cuda (see gpu-check.sh). The binary links the real
# libcuda.so.1 and libcublas.so.N by SONAME when it starts there.
set -euo pipefail
cd "$(dirname "$0")/.."
tarball=${1:-}
grep -qx '/.cuda/' .git/info/exclude 2>/dev/null || echo /.cuda/ >>.git/info/exclude
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
go vet -tags recpipe_cuda ./model/kernels/cuda/
go test -c -tags recpipe_cuda -ldflags='-s -w' -o .cuda/bin/cuda.test ./model/kernels/cuda/
ls -la .cuda/bin
echo "gpu-build: ok; next: device run of scripts/gpu-check.sh with carry [\".cuda\"]"
