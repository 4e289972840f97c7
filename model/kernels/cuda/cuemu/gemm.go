//go:build cuemu

package cuemu

import (
	"unsafe"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/recpipe/recpipe/model/kernels/cuda"
)

// Gemm implements cuda.Gemmer, standing in for cuBLAS: gonum's Sgemm over the
// emulated device memory (host memory), the product the CPU path uses.
func (runtime) Gemm(c, a, b cuda.Ptr, m, k, n int, ta, tb bool, beta float32) error {
	tA, lda := blas.NoTrans, k
	if ta {
		tA, lda = blas.Trans, m
	}
	tB, ldb := blas.NoTrans, n
	if tb {
		tB, ldb = blas.Trans, k
	}
	gonum.Implementation{}.Sgemm(tA, tB, m, n, k, 1, floats(a, m*k), lda, floats(b, k*n), ldb, beta, floats(c, m*n), n)
	return nil
}

// floats views n float32 of emulated device memory. The memory is C heap, outside
// the Go heap, and lives until the Device frees it.
func floats(p cuda.Ptr, n int) []float32 {
	ptr := *(*unsafe.Pointer)(unsafe.Pointer(&p))
	return unsafe.Slice((*float32)(ptr), n)
}
