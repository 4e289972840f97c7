package ss4rec

import (
	"math"

	"github.com/recpipe/recpipe/model/kernels"
	"golang.org/x/sys/cpu"
)

// expConsts is the number of constants scanRowsSSE reads, each in four lanes.
const expConsts = 11

//go:noescape
func scanRowsSSE(h, a, dt, dx, bm *float32, rows, n int, c *[expConsts][4]float32)

// expTable holds expf's constants as the float32 values the Go code uses.
var expTable = func() (t [expConsts][4]float32) {
	for i, v := range [expConsts]float32{expLog2e, expMagic, expLn2hi, expLn2lo, 1,
		1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 1.0 / 2, math.Float32frombits(0x4b400000 - 127)} {
		t[i] = [4]float32{v, v, v, v}
	}
	return t
}()

// scanRows advances the selective-scan state h [rows×n] by one position:
// h[i·n+k] = expf(dt[i]·a[i·n+k])·h[i·n+k] + dx[i]·bm[k]. The caller guarantees
// every dt[i]·a[i·n+k] is in expf's fast range.
func scanRows(h, a, dt, dx, bm []float32, n int) {
	rows := len(dt)
	if rows == 0 || n == 0 {
		return
	}
	if n%4 != 0 {
		scanRowsGo(h, a, dt, dx, bm, n)
		return
	}
	if useScanAVX2 && n%8 == 0 {
		kernels.MambaScanRows(h, h, a, dt, dx, bm, n) // eight lanes, the same bits
		return
	}
	_, _, _, _ = h[rows*n-1], a[rows*n-1], dx[rows-1], bm[n-1]
	scanRowsSSE(&h[0], &a[0], &dt[0], &dx[0], &bm[0], rows, n, &expTable)
}

//go:noescape
func matmulSSE(c, a, w *float32, m, k, n int)

//go:noescape
func matmulAVX(c, a, w *float32, m, k, n int)

// useMatmulAVX selects matmulAVX over matmulSSE (the same bits; tests turn it off).
var useMatmulAVX = cpu.X86.HasAVX

// useScanAVX2 selects kernels.MambaScanRows (AVX2) over scanRowsSSE where n is a
// multiple of 8 (the same bits; tests turn it off).
var useScanAVX2 = cpu.X86.HasAVX2

// matmulWide is c = a·w (as mm, bit for bit) for the model's wide products.
func matmulWide(c, a, w []float32, m, k, n int) {
	if m == 0 || n == 0 {
		return
	}
	if n%16 != 0 || k == 0 {
		mm(c, a, w, m, k, n, false, false, 0)
		return
	}
	_, _, _ = c[m*n-1], a[m*k-1], w[k*n-1]
	if useMatmulAVX {
		matmulAVX(&c[0], &a[0], &w[0], m, k, n)
		return
	}
	matmulSSE(&c[0], &a[0], &w[0], m, k, n)
}
