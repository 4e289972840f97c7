#!/usr/bin/env bash
# cuda-typecheck.sh: type-check and vet the `recpipe_cuda`-tagged Go code of
# model/kernels/cuda on a machine without CUDA. It overlays gorgonia.org/cu and
# gorgonia.org/cu/blas with cgo-free stubs of the API the package uses
# (model/kernels/cuda/testdata/custub, signatures copied from cu v0.9.6), then runs
# `go vet -tags recpipe_cuda` on the package and compiles its cuda-tagged test binary
# (`go test -c`, thrown away). Nothing it builds can run: the stubs do nothing.
# It proves the code compiles against cu's API, not that it works (docs/gpu.md).
set -euo pipefail
cd "$(dirname "$0")/.."
stub=$PWD/model/kernels/cuda/testdata/custub
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A stand-in module for gorgonia.org/cu, swapped in by a replace directive in a
# temporary copy of go.mod (-modfile); the real go.mod and go.sum are not touched.
mkdir -p "$tmp/cu/blas"
gonum=$(go list -m -f '{{.Version}}' gonum.org/v1/gonum)
printf 'module gorgonia.org/cu\n\ngo 1.21\n\nrequire gonum.org/v1/gonum %s\n' "$gonum" >"$tmp/cu/go.mod"
cp "$stub/cu.go.txt" "$tmp/cu/stub.go"
cp "$stub/blas.go.txt" "$tmp/cu/blas/stub.go"
cp go.mod "$tmp/go.mod"
cp go.sum "$tmp/go.sum"
printf '\nreplace gorgonia.org/cu => %s\n' "$tmp/cu" >>"$tmp/go.mod"
export CGO_ENABLED=0
go vet -tags recpipe_cuda -modfile "$tmp/go.mod" ./model/kernels/cuda/
go test -c -o "$tmp/cuda.test" -tags recpipe_cuda -modfile "$tmp/go.mod" ./model/kernels/cuda/
# What make build-cuda builds: train-gpu with the device. (The tag is not `cuda`:
# gorgonia's own `cuda` tag would switch its VM to CUDA and pull in cuDNN.)
go vet -tags recpipe_cuda -modfile "$tmp/go.mod" ./model/accel/
go build -o "$tmp/train-gpu" -tags recpipe_cuda -modfile "$tmp/go.mod" ./functions/train-gpu
echo "cuda-typecheck: ok (vet, test build and train-gpu build of -tags recpipe_cuda against cu stubs)"
