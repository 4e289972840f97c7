package kernels

import (
	"runtime"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

var gonumBLAS gonum.Implementation

// Gemm computes c = op(a)·op(b) + beta·c for row-major a (m×k, or k×m if ta), b (k×n,
// or n×k if tb) and c (m×n): the dense products of SS4Rec's training graph. Where
// the shapes allow it (m a multiple of 4, n of 16, beta 0 or 1, not both transposed)
// it runs 4×16 tiles on AVX2 with FMA over both cores; otherwise, and on machines
// without FMA, it is gonum's Sgemm. The two differ by float32 rounding (FMA, summation
// order), not by what they compute.
func Gemm(c, a, b []float32, m, k, n int, ta, tb bool, beta float32) {
	if m == 0 || n == 0 {
		return
	}
	if !useFMA || k == 0 || m%4 != 0 || n%16 != 0 || (beta != 0 && beta != 1) || (ta && tb) {
		gonumGemm(c, a, b, m, k, n, ta, tb, beta)
		return
	}
	acc := beta == 1
	if tb { // op(b) = bᵀ: transpose the (small) weight once
		bt := make([]float32, k*n)
		for j := range n {
			for l, v := range b[j*k : j*k+k] {
				bt[l*n+j] = v
			}
		}
		b = bt
	}
	// a row-major m×k: rows i..i+3 start k apart, step 1 along l;
	// a stored k×m (ta): rows are columns, 1 apart, step m along l.
	ars, ast := k, 1
	if ta {
		ars, ast = 1, m
	}
	tiles := (m / 4) * (n / 16)
	run := func(lo, hi int) {
		for t := lo; t < hi; t++ {
			i, j := t/(n/16)*4, t%(n/16)*16
			tile4x16(a[i*ars:], ars, ast, b[j:], n, k, c[i*n+j:], n, acc)
		}
	}
	w := runtime.GOMAXPROCS(0)
	if w < 2 || m*n*k < 1<<17 || tiles < 2 {
		run(0, tiles)
		return
	}
	w = min(w, tiles)
	parallel(tiles, w, func(_, lo, hi int) { run(lo, hi) })
}

func gonumGemm(c, a, b []float32, m, k, n int, ta, tb bool, beta float32) {
	tA, lda := blas.NoTrans, k
	if ta {
		tA, lda = blas.Trans, m
	}
	tB, ldb := blas.NoTrans, n
	if tb {
		tB, ldb = blas.Trans, k
	}
	gonumBLAS.Sgemm(tA, tB, m, n, k, 1, a, lda, b, ldb, beta, c, n)
}
