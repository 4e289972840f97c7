package kernels

import (
	"runtime"
	"unsafe"
)

// GemmExact computes c = op(a)·op(b) (c overwritten; a row-major m×k, or k×m if ta; b
// k×n, or n×k if tb) with the same bits as gonum's Sgemm(…, alpha 1, beta 0, …) for
// finite inputs, faster where AVX2 allows: a model whose training results are
// published (NCF) keeps them while its products get quicker.
//
// gonum sums a NoTrans·NoTrans or Trans·NoTrans product element by element in l order,
// each product rounded before its add (AxpyUnitary, skipping a zero a[i,l]: adding a
// zero product to a sum that started at +0 changes no bit, so the tiles here add it);
// the 4×16 and 4×8 tiles do the same on eight lanes. A NoTrans·Trans product is one
// DotUnitary per element, whose lane-wise order dotT8 follows for k ≤ 64 (gonum's
// block) with b's rows 16-byte aligned (DotUnitary's order depends on y's alignment);
// other shapes, and machines without AVX2, run gonum's Sgemm itself.
func GemmExact(c, a, b []float32, m, k, n int, ta, tb bool) {
	if m == 0 || n == 0 {
		return
	}
	if !useAVX2 || k == 0 || (ta && tb) || (tb && !dotAligned(b, k)) {
		gonumGemm(c, a, b, m, k, n, ta, tb, 0)
		return
	}
	if tb {
		gemmExactNT(c, a, b, m, k, n)
		return
	}
	ars, ast := k, 1
	if ta {
		ars, ast = 1, m
	}
	g := newTileGrid(m, n)
	m4, n8, ct, tiles := m/4*4, g.n8, g.ct, g.tiles
	run := func(lo, hi int) {
		for t := lo; t < hi; t++ {
			i, j, w := g.tile(t)
			tile4Seq(w, a[i*ars:], ars, ast, b[j:], n, k, c[i*n+j:], n)
		}
	}
	if tiles > 0 {
		if w := runtime.GOMAXPROCS(0); w >= 2 && m*n*k >= 1<<17 && tiles >= 2 {
			parallel(tiles, min(w, tiles), func(_, lo, hi int) { run(lo, hi) })
		} else {
			run(0, tiles)
		}
	}
	for i := range m { // the columns past the tiles, and the rows past the last four
		j0 := n8
		if i >= m4 || ct == 0 {
			j0 = 0
		}
		for j := j0; j < n; j++ {
			var s float32
			for l := range k {
				s += float32(a[i*ars+l*ast] * b[l*n+j]) // the conversion keeps the product rounded (no FMA)
			}
			c[i*n+j] = s
		}
	}
}

// dotAligned reports whether every row of b [n×k] starts 16-byte aligned and k ≤ 64
// (one gonum block), where dotT8 follows DotUnitary.
func dotAligned(b []float32, k int) bool {
	return k <= 64 && k%4 == 0 && uintptr(unsafe.Pointer(&b[0]))%16 == 0
}

// gemmExactNT is c = a·bᵀ with each element summed as DotUnitary(a[i,:], b[j,:]).
func gemmExactNT(c, a, b []float32, m, k, n int) {
	bt := make([]float32, k*n) // bᵀ: column j of the product is lane j of a dotT8
	for j := range n {
		for l, v := range b[j*k : j*k+k] {
			bt[l*n+j] = v
		}
	}
	n8 := n / 8 * 8
	k16, k4, k1 := k/16, k%16/4, k%4
	rows := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			ar := a[i*k : i*k+k]
			for j := 0; j < n8; j += 8 {
				dotT8(&ar[0], &bt[j], 4*n, k16, k4, k1, &c[i*n+j])
			}
			for j := n8; j < n; j++ {
				c[i*n+j] = dotUnitaryAligned(ar, b[j*k:j*k+k])
			}
		}
	}
	if w := runtime.GOMAXPROCS(0); w >= 2 && m*n*k >= 1<<17 && m >= 2 {
		parallel(m, min(w, m), func(_, lo, hi int) { rows(lo, hi) })
		return
	}
	rows(0, m)
}

// dotUnitaryAligned is gonum's DotUnitary on a 16-byte aligned y, in Go, plus zero (as
// Sgemm adds it to a zeroed c).
func dotUnitaryAligned(x, y []float32) float32 {
	var s, p [4]float32
	k := len(x)
	i := 0
	for ; i+16 <= k; i += 16 {
		for r := range 4 {
			s[r] += float32(x[i+r] * y[i+r])
			p[r] += float32(x[i+4+r] * y[i+4+r])
			s[r] += float32(x[i+8+r] * y[i+8+r])
			p[r] += float32(x[i+12+r] * y[i+12+r])
		}
	}
	for r := range 4 {
		s[r] += p[r]
	}
	for ; i+4 <= k; i += 4 {
		for r := range 4 {
			s[r] += float32(x[i+r] * y[i+r])
		}
	}
	for ; i < k; i++ {
		s[0] += float32(x[i] * y[i])
	}
	var zero float32
	return zero + ((s[0] + s[1]) + (s[2] + s[3]))
}
