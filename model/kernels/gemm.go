package kernels

import (
	"runtime"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

var gonumBLAS gonum.Implementation

// Gemm computes c = op(a)·op(b) + beta·c for row-major a (m×k, or k×m if ta), b (k×n,
// or n×k if tb) and c (m×n): the dense products of SS4Rec's training graph. Where
// the shapes allow it (m a multiple of 4, beta 0 or 1, not both transposed) it runs
// 4×16 and 4×8 tiles on AVX2 with FMA over both cores (columns past the last tile in
// plain Go; fewer than 8 columns on 4×8 tiles of b padded with zeros); otherwise, and on machines
// without FMA, it is gonum's Sgemm. The two differ by float32 rounding (FMA, summation
// order), not by what they compute.
func Gemm(c, a, b []float32, m, k, n int, ta, tb bool, beta float32) {
	if m == 0 || n == 0 {
		return
	}
	if !useFMA || k == 0 || m%4 != 0 || (beta != 0 && beta != 1) || (ta && tb) {
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
	// columns: 16-wide tiles, then one 8-wide, then the last few in plain Go
	g := newTileGrid(m, n)
	n8, tiles := g.n8, g.tiles
	run := func(lo, hi int) {
		for t := lo; t < hi; t++ {
			i, j, w := g.tile(t)
			tile4(w, a[i*ars:], ars, ast, b[j:], n, k, c[i*n+j:], n, acc)
		}
		if n8 < n { // the rows of this share, past the tiles' columns
			gemmCols(c, a, b, lo*m/max(tiles, 1), hi*m/max(tiles, 1), n8, ars, ast, k, n, acc)
		}
	}
	if tiles == 0 { // fewer than 8 columns (SS4Rec's Δ rank): 4×8 tiles on b padded to 8
		gemmNarrow(c, a, b, m, k, n, ars, ast, acc)
		return
	}
	w := runtime.GOMAXPROCS(0)
	if w < 2 || m*n*k < 1<<17 || tiles < 2 {
		run(0, tiles)
		return
	}
	w = min(w, tiles)
	parallel(tiles, w, func(_, lo, hi int) { run(lo, hi) })
}

// tileGrid cuts an m×n product into 4-row tiles, 16 columns wide, then one 8 wide
// where the columns allow (n16 and n8 are where each kind ends; ct tiles a row).
type tileGrid struct{ n16, n8, ct, tiles int }

func newTileGrid(m, n int) tileGrid {
	n16 := n / 16 * 16
	n8 := n16 + (n-n16)/8*8
	ct := n16/16 + (n8-n16)/8
	return tileGrid{n16: n16, n8: n8, ct: ct, tiles: (m / 4) * ct}
}

// tile returns tile t's first row and column and its width.
func (g tileGrid) tile(t int) (i, j, w int) {
	i, jt := t/g.ct*4, t%g.ct
	j, w = jt*16, 16
	if j >= g.n16 {
		j, w = g.n16, 8
	}
	return i, j, w
}

// gemmNarrow is Gemm's product for n < 8 columns (m a multiple of 4): b padded with
// zero columns to 8, 4×8 FMA tiles into a scratch tile, its first n columns kept.
// Rows go in chunks of 64, on both cores when the product is large.
func gemmNarrow(c, a, b []float32, m, k, n, ars, ast int, acc bool) {
	bp := make([]float32, k*8)
	for l := range k {
		copy(bp[l*8:l*8+n], b[l*n:l*n+n])
	}
	const chunk = 64
	chunks := (m + chunk - 1) / chunk
	rows := func(lo, hi int) {
		var tile [4 * 8]float32
		for i := lo * chunk; i < min(m, hi*chunk); i += 4 {
			tile4(8, a[i*ars:], ars, ast, bp, 8, k, tile[:], 8, false)
			for r := range 4 {
				cr, tr := c[(i+r)*n:(i+r)*n+n], tile[r*8:r*8+n]
				if acc {
					addInto(cr, tr)
				} else {
					copy(cr, tr)
				}
			}
		}
	}
	if w := runtime.GOMAXPROCS(0); w >= 2 && m*n*k >= 1<<17 && chunks >= 2 {
		parallel(chunks, min(w, chunks), func(_, lo, hi int) { rows(lo, hi) })
		return
	}
	rows(0, chunks)
}

// gemmCols computes rows [i0,i1) of c from column j0 on in plain Go (strides as the
// tiles'), each element one running sum over l in order. A transposed a (ars 1) is
// read with l outermost, so in order along i.
func gemmCols(c, a, b []float32, i0, i1, j0, ars, ast, k, n int, acc bool) {
	if ars != 1 || i1-i0 < 2 {
		for i := i0; i < i1; i++ {
			for j := j0; j < n; j++ {
				var s float32
				for l := range k {
					s += a[i*ars+l*ast] * b[l*n+j]
				}
				if acc {
					c[i*n+j] += s
				} else {
					c[i*n+j] = s
				}
			}
		}
		return
	}
	rows := i1 - i0
	for j := j0; j < n; j++ {
		s := make([]float32, rows)
		for l := range k {
			bv, al := b[l*n+j], a[i0+l*ast:i0+l*ast+rows]
			for i, av := range al {
				s[i] += av * bv
			}
		}
		for i, v := range s {
			if acc {
				c[(i0+i)*n+j] += v
			} else {
				c[(i0+i)*n+j] = v
			}
		}
	}
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
