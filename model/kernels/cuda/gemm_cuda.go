//go:build recpipe_cuda

package cuda

import (
	"fmt"
	"unsafe"

	"gonum.org/v1/gonum/blas"
)

// Gemm computes c = op(a)·op(b) + beta·c on the GPU through cuBLAS, for row-major a
// (m×k, or k×m if ta), b (k×n, or n×k if tb) and c (m×n): the contract of the
// ss4rec layers' mm. cuBLAS is column-major, so it computes cᵀ = op(b)ᵀ·op(a)ᵀ.
func (dv *Device) Gemm(c, a, b []float32, m, k, n int, ta, tb bool, beta float32) error {
	if m == 0 || n == 0 {
		return nil
	}
	if len(a) < m*k || len(b) < k*n || len(c) < m*n {
		return fmt.Errorf("gemm %dx%dx%d: slices of %d, %d, %d values are too short", m, k, n, len(a), len(b), len(c))
	}
	return dv.do(func() error {
		rt, ok := dv.rt.(*cuRuntime)
		if !ok {
			return fmt.Errorf("%w: gemm needs cuBLAS, runtime is %T", ErrDevice, dv.rt)
		}
		p, err := dv.uploadAll([]string{"gemm.a", "gemm.b", "gemm.c"}, a[:m*k], b[:k*n], c[:m*n])
		if err != nil {
			return err
		}
		tA, lda := blas.NoTrans, k
		if ta {
			tA, lda = blas.Trans, m
		}
		tB, ldb := blas.NoTrans, n
		if tb {
			tB, ldb = blas.Trans, k
		}
		rt.blas.Sgemm(tB, tA, n, m, k, 1, devSlice(p[1], k*n), ldb, devSlice(p[0], m*k), lda, beta, devSlice(p[2], m*n), n)
		if err := rt.blas.Err(); err != nil {
			return fmt.Errorf("%w: cublasSgemm: %w", ErrDevice, err)
		}
		if err := dv.sync("Gemm"); err != nil {
			return err
		}
		return dv.download(p[2], c[:m*n], "gemm c")
	})
}

// devSlice views n float32 of device memory as a slice, the form cu/blas takes. Its
// elements must never be read or written by Go code; cuBLAS only passes &s[0] on.
// The pointer is reinterpreted through memory (not converted from a uintptr
// expression) and lies outside the Go heap, so the collector ignores it.
func devSlice(p Ptr, n int) []float32 {
	ptr := *(*unsafe.Pointer)(unsafe.Pointer(&p))
	return unsafe.Slice((*float32)(ptr), n)
}

// Gemm implements Gemmer through cuBLAS over device memory (row-major, as Device.Gemm).
func (r *cuRuntime) Gemm(c, a, b Ptr, m, k, n int, ta, tb bool, beta float32) error {
	tA, lda := blas.NoTrans, k
	if ta {
		tA, lda = blas.Trans, m
	}
	tB, ldb := blas.NoTrans, n
	if tb {
		tB, ldb = blas.Trans, k
	}
	r.blas.Sgemm(tB, tA, n, m, k, 1, devSlice(b, k*n), ldb, devSlice(a, m*k), lda, beta, devSlice(c, m*n), n)
	if err := r.blas.Err(); err != nil {
		return fmt.Errorf("cublasSgemm: %w", err)
	}
	return nil
}
