package kernels_test

import (
	"math"
	"testing"

	"github.com/recpipe/recpipe/model/kernels"
)

func TestStepsMatchScans(t *testing.T) {
	d := kernels.S5Dims{B: 1, T: 6, H: 4, P: 3}
	p, u, tau := newS5Case(21, d)
	y := make([]float32, len(u))
	kernels.CPU{}.S5Forward(d, p, u, tau, y, make([]float32, kernels.S5CacheLen(d)))
	x := make([]float64, 2*d.P)
	ys := make([]float32, d.H)
	for pos := range d.T {
		kernels.S5Step(p, x, u[pos*d.H:pos*d.H+d.H], tau[pos], ys)
		for h := range d.H {
			if math.Abs(float64(ys[h]-y[pos*d.H+h])) > 1e-5 {
				t.Fatalf("S5 step %d,%d: %v vs scan %v", pos, h, ys[h], y[pos*d.H+h])
			}
		}
	}

	md := kernels.MambaDims{B: 1, T: 5, E: 3, N: 4}
	in := newMambaCase(22, md)
	my := make([]float32, md.T*md.E)
	kernels.CPU{}.MambaForward(md, in, my, make([]float32, kernels.MambaCacheLen(md)))
	h := make([]float32, md.E*md.N)
	ym := make([]float32, md.E)
	E, N := md.E, md.N
	for pos := range md.T {
		kernels.MambaStep(h, in.X[pos*E:pos*E+E], in.DtRaw[pos*E:pos*E+E], in.Bm[pos*N:pos*N+N], in.Cm[pos*N:pos*N+N], kernels.NegExp(in.ALog), in.D, ym)
		for e := range E {
			if math.Abs(float64(ym[e]-my[pos*E+e])) > 1e-5 {
				t.Fatalf("Mamba step %d,%d: %v vs scan %v", pos, e, ym[e], my[pos*E+e])
			}
		}
	}
}
