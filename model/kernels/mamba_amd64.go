package kernels

import (
	"math"

	"golang.org/x/sys/cpu"
)

// mambaConsts is the number of constants the AVX2 kernels read (expf's, and the
// bounds of its fast range), each in eight lanes.
const mambaConsts = 25

// mambaTable holds the constants as the float32 values expf uses.
var mambaTable = func() (t [mambaConsts][8]float32) {
	for i, v := range [mambaConsts]float32{expLog2e, expMagic, expLn2hi, expLn2lo, 1,
		1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 1.0 / 2, math.Float32frombits(0x4b400000 - 127), expLow, 88,
		// log1pf's (from 416): |x| mask, mantissa mask, 1.0's bits, √2, 0.5, 2, 1/3, 1/5, 1/7, 1/9, ln 2, 127
		math.Float32frombits(0x7fffffff), math.Float32frombits(0x007fffff), math.Float32frombits(0x3f800000),
		1.41421356, 0.5, 2, 1.0 / 3, 1.0 / 5, 1.0 / 7, 1.0 / 9, 0.693147181, math.Float32frombits(127)} {
		t[i] = [8]float32{v, v, v, v, v, v, v, v}
	}
	return t
}()

// useAVX2 selects the AVX2 position kernels (tests turn it off to compare with Go).
var useAVX2 = cpu.X86.HasAVX2

//go:noescape
func mambaFwdAVX(next, prev, a, dt, dx, bm *float32, rows, n int, c *[mambaConsts][8]float32)

//go:noescape
func mambaBwdAVX(gh, cm, bm, he, prev, a, dt, dy, dtx, da, dcm, dbm, s1, s2 *float32, rows, n int, c *[mambaConsts][8]float32)

// mambaFwdPos is one position of the scan: next[i·n+k] = expf(dt[i]·a[i·n+k])·
// prev[i·n+k] + dx[i]·bm[k], bit for bit the same on either path.
func mambaFwdPos(next, prev, a, dt, dx, bm []float32, n int) {
	rows := len(dt)
	if !useAVX2 || n%8 != 0 || rows == 0 {
		mambaFwdPosGo(next, prev, a, dt, dx, bm, n)
		return
	}
	_, _, _, _, _ = next[rows*n-1], prev[rows*n-1], a[rows*n-1], dx[rows-1], bm[n-1]
	mambaFwdAVX(&next[0], &prev[0], &a[0], &dt[0], &dx[0], &bm[0], rows, n, &mambaTable)
}

// mambaBwdPos is one position of the scan's backward; see mambaBwdPosGo.
func mambaBwdPos(p *mambaBwdArgs, n int) {
	rows := len(p.dt)
	if !useAVX2 || n%8 != 0 || rows == 0 {
		mambaBwdPosGo(p, n)
		return
	}
	_, _, _, _, _, _ = p.gh[rows*n-1], p.he[rows*n-1], p.prev[rows*n-1], p.a[rows*n-1], p.da[rows*n-1], p.cm[n-1]
	_, _, _, _, _, _ = p.bm[n-1], p.dcm[n-1], p.dbm[n-1], p.dy[rows-1], p.dtx[rows-1], p.s1[rows-1]
	_ = p.s2[rows-1]
	mambaBwdAVX(&p.gh[0], &p.cm[0], &p.bm[0], &p.he[0], &p.prev[0], &p.a[0], &p.dt[0], &p.dy[0], &p.dtx[0],
		&p.da[0], &p.dcm[0], &p.dbm[0], &p.s1[0], &p.s2[0], rows, n, &mambaTable)
}

//go:noescape
func siluAVX(y, x *float32, n int, c *[mambaConsts][8]float32)

//go:noescape
func siluGradAVX(dx, x, dy *float32, n int, c *[mambaConsts][8]float32)

// SiLU writes y = x·σ(x) = x/(1 + e^−x) element-wise, with expf (to float32 rounding
// of the exact value; not the bits of a math.Exp form).
func SiLU(y, x []float32) {
	n := 0
	if useAVX2 {
		n = len(x) / 8 * 8
		if n > 0 {
			_ = y[n-1]
			siluAVX(&y[0], &x[0], n, &mambaTable)
		}
	}
	siluGo(y[n:], x[n:])
}

// SiLUGrad writes dx = dy · d silu/dx = dy·σ(x)·(1 + x·(1 − σ(x))) element-wise.
func SiLUGrad(dx, x, dy []float32) {
	n := 0
	if useAVX2 {
		n = len(x) / 8 * 8
		if n > 0 {
			_, _ = dx[n-1], dy[n-1]
			siluGradAVX(&dx[0], &x[0], &dy[0], n, &mambaTable)
		}
	}
	siluGradGo(dx[n:], x[n:], dy[n:])
}

//go:noescape
func softplusAVX(y, x *float32, n int, c *[mambaConsts][8]float32)

// softplusRow writes y[i] = Softplus(x[i]), bit for bit.
func softplusRow(y, x []float32) {
	n := 0
	if useAVX2 {
		n = len(x) / 8 * 8
		if n > 0 {
			_ = y[n-1]
			softplusAVX(&y[0], &x[0], n, &mambaTable)
		}
	}
	for i := n; i < len(x); i++ {
		y[i] = Softplus(x[i])
	}
}

//go:noescape
func softplusSigmoidAVX(y, s, x *float32, n int, c *[mambaConsts][8]float32)

// softplusSigmoidRow writes y[i] = Softplus(x[i]) and s[i] = Sigmoid(x[i]), bit
// for bit, from one expf per element.
func softplusSigmoidRow(y, s, x []float32) {
	n := 0
	if useAVX2 {
		n = len(x) / 8 * 8
		if n > 0 {
			_, _ = y[n-1], s[n-1]
			softplusSigmoidAVX(&y[0], &s[0], &x[0], n, &mambaTable)
		}
	}
	for i := n; i < len(x); i++ {
		y[i], s[i] = Softplus(x[i]), Sigmoid(x[i])
	}
}
