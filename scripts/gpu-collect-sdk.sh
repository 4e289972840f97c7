#!/usr/bin/env bash
# gpu-collect-sdk.sh: STEP 1 of the GPU flow (docs/gpu.md), run ON the GPU machine:
#
#   device run, command: scripts/gpu-collect-sdk.sh        (timeout_s 300)
#
# It packs into $OUT/cuda-sdk.tar.gz what a machine without CUDA needs to compile and
# link the `cuda` build: the headers that cuda.h and cublas_v2.h pull in (listed by
# the compiler, not guessed), link stubs of libcuda and libcublas carrying the real
# SONAMEs (CUDA's own stubs where it ships them, else generated from the exported
# symbols), the PTX compiled there, and the versions. Unpack it here with
# scripts/gpu-build.sh, which then builds the test binary for STEP 2.
set -euo pipefail
out=${OUT:?OUT must be set (the device tool sets it)}
cuda=${CUDA_HOME:-}
if [ -z "$cuda" ]; then
  if [ -d /usr/local/cuda/include ]; then cuda=/usr/local/cuda
  else cuda=$(dirname "$(dirname "$(readlink -f "$(command -v nvcc)")")"); fi
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sdk=$work/cuda-sdk
mkdir -p "$sdk/include" "$sdk/stubs"
{
  echo "cuda_home=$cuda"
  nvcc --version | tail -n 2
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
  uname -m
} >"$sdk/versions.txt" 2>&1
cat "$sdk/versions.txt"

# Headers: exactly those the two top headers include, kept under their paths.
printf '#include <cuda.h>\n#include <cublas_v2.h>\n' >"$work/probe.c"
gcc -M -I"$cuda/include" "$work/probe.c" | tr -d '\\' | tr ' ' '\n' | grep "^$cuda/include/" | sort -u >"$work/headers"
while read -r h; do
  rel=${h#"$cuda/include/"}
  mkdir -p "$sdk/include/$(dirname "$rel")"
  cp "$h" "$sdk/include/$rel"
done <"$work/headers"
echo "headers: $(wc -l <"$work/headers")"

# Link stubs with the SONAMEs of the real libraries.
find_lib() { # name → path of the real shared library
  for d in "$cuda/lib64" "$cuda/lib" "$cuda/targets/x86_64-linux/lib" /usr/lib/x86_64-linux-gnu /usr/local/nvidia/lib64 /usr/lib64; do
    for f in "$d/$1.so" "$d/$1.so."*; do [ -e "$f" ] && { readlink -f "$f"; return; }; done
  done
  ldconfig -p | awk -v n="$1.so" '$1 ~ "^"n {print $NF; exit}'
}
for lib in libcuda libcublas; do
  real=$(find_lib "$lib")
  [ -n "$real" ] || { echo "no $lib found" >&2; exit 1; }
  soname=$(objdump -p "$real" | awk '/SONAME/ {print $2}')
  echo "$lib: $real (SONAME $soname)" | tee -a "$sdk/versions.txt"
  nm -D --defined-only "$real" | awk '$2 ~ /^[TW]$/ {print $3}' | sed 's/@.*//' | sort -u >"$work/$lib.syms"
  awk '{print "void " $1 "(void) {}"}' "$work/$lib.syms" >"$work/$lib.c"
  gcc -shared -fPIC -w -Wl,-soname,"$soname" -o "$sdk/stubs/$lib.so" "$work/$lib.c"
  echo "$lib stub: $(wc -l <"$work/$lib.syms") symbols"
done

# The PTX, compiled here (the build here may embed it).
NVCC=nvcc bash "$(dirname "$0")/cuda-ptx.sh" "$sdk/recpipe.ptx"
nvcc -cubin -fmad=false -arch=sm_90 --resource-usage -o "$work/recpipe.cubin" \
  "$(dirname "$0")/../model/kernels/cuda/recpipe.cu" >"$sdk/resource-usage.txt" 2>&1 || true

tar -C "$work" -czf "$out/cuda-sdk.tar.gz" cuda-sdk
ls -la "$out"
