package kernels_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/recpipe/recpipe/model/kernels"
	"github.com/recpipe/recpipe/model/kernels/kerneltest"
)

func newS5Case(seed uint64, d kernels.S5Dims) (kernels.S5Params, []float32, []float32) {
	r := rand.New(rand.NewPCG(seed, 1))
	p := kernels.NewS5Params(d.H, d.P)
	copy(p.LogA, kerneltest.RandSlice(r, d.P, -1, 0.5))
	copy(p.ImA, kerneltest.RandSlice(r, d.P, -3, 3))
	copy(p.LogStep, kerneltest.RandSlice(r, d.P, -1.5, 0.5))
	for _, s := range [][]float32{p.BRe, p.BIm, p.CRe, p.CIm, p.D} {
		copy(s, kerneltest.RandSlice(r, len(s), -0.5, 0.5))
	}
	u := kerneltest.RandSlice(r, d.B*d.T*d.H, -1, 1)
	tau := kerneltest.RandSlice(r, d.B*d.T, 0, 3)
	tau[0] = 0 // a same-second tie
	return p, u, tau
}

func TestS5ForwardMatchesReference(t *testing.T) {
	d := kernels.S5Dims{B: 3, T: 7, H: 5, P: 4}
	p, u, tau := newS5Case(1, d)
	y := make([]float32, d.B*d.T*d.H)
	xs := make([]float32, kernels.S5CacheLen(d))
	kernels.CPU{}.S5Forward(d, p, u, tau, y, xs)
	ps := [][]float64{}
	for _, s := range p.Slices() {
		ps = append(ps, kerneltest.To64(s))
	}
	want := kerneltest.RefS5(d, ps, kerneltest.To64(u), kerneltest.To64(tau))
	for i := range y {
		if math.Abs(float64(y[i])-want[i]) > 1e-5 {
			t.Fatalf("y[%d] = %v, reference %v", i, y[i], want[i])
		}
	}
}

func TestS5BackwardFiniteDifferences(t *testing.T) {
	tests := []struct {
		name string
		d    kernels.S5Dims
		seed uint64
	}{
		{"small", kernels.S5Dims{B: 2, T: 5, H: 3, P: 4}, 2},
		{"one-step", kernels.S5Dims{B: 1, T: 1, H: 2, P: 2}, 3},
		{"longer", kernels.S5Dims{B: 2, T: 12, H: 4, P: 3}, 4},
		{"product-tiles", kernels.S5Dims{B: 2, T: 4, H: 16, P: 8}, 5}, // shapes Gemm runs on its AVX2 tiles
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.d
			p, u, tau := newS5Case(tc.seed, d)
			r := rand.New(rand.NewPCG(tc.seed, 9))
			wts := kerneltest.RandSlice(r, d.B*d.T*d.H, -1, 1)
			y := make([]float32, len(wts))
			xs := make([]float32, kernels.S5CacheLen(d))
			be := kernels.CPU{Workers: 2}
			be.S5Forward(d, p, u, tau, y, xs)
			du := make([]float32, len(u))
			g := kernels.NewS5Params(d.H, d.P)
			be.S5Backward(d, p, u, tau, xs, wts, du, g)

			ps := [][]float64{}
			for _, s := range p.Slices() {
				ps = append(ps, kerneltest.To64(s))
			}
			u64, tau64, w64 := kerneltest.To64(u), kerneltest.To64(tau), kerneltest.To64(wts)
			loss := func() float64 { return kerneltest.Dot(kerneltest.RefS5(d, ps, u64, tau64), w64) }
			names := []string{"LogA", "ImA", "LogStep", "BRe", "BIm", "CRe", "CIm", "D"}
			for k, s := range g.Slices() {
				for i := range s {
					if e := kerneltest.RelErr(float64(s[i]), kerneltest.FDGrad(ps[k], i, loss)); e > 2e-3 {
						t.Errorf("d%s[%d] = %v, finite difference %v (err %.2g)", names[k], i, s[i], kerneltest.FDGrad(ps[k], i, loss), e)
					}
				}
			}
			for i := range du {
				if e := kerneltest.RelErr(float64(du[i]), kerneltest.FDGrad(u64, i, loss)); e > 2e-3 {
					t.Errorf("du[%d] = %v, finite difference %v", i, du[i], kerneltest.FDGrad(u64, i, loss))
				}
			}
		})
	}
}

func TestS5GapsStayFinite(t *testing.T) {
	d := kernels.S5Dims{B: 1, T: 4, H: 3, P: 4}
	p, u, _ := newS5Case(5, d)
	p.LogA[0] = -20 // |Re Λ| tiny: (Λ̄−1)/Λ must not blow up
	p.ImA[0] = 0
	tau := []float32{0, 1e6, 0, 3.4e37}
	y := make([]float32, d.B*d.T*d.H)
	xs := make([]float32, kernels.S5CacheLen(d))
	kernels.CPU{}.S5Forward(d, p, u, tau, y, xs)
	du := make([]float32, len(u))
	g := kernels.NewS5Params(d.H, d.P)
	kernels.CPU{}.S5Backward(d, p, u, tau, xs, y, du, g)
	for _, s := range append(g.Slices(), y, du, xs) {
		for i, v := range s {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("non-finite value %v at %d", v, i)
			}
		}
	}
}

// Changing anything at padding positions (after the last real one) must not move
// the outputs or the gradients of the real positions.
func TestS5PaddingDoesNotLeak(t *testing.T) {
	d := kernels.S5Dims{B: 1, T: 6, H: 3, P: 4}
	const real = 4
	run := func(seed uint64) ([]float32, []float32) {
		p, u, tau := newS5Case(7, d)
		r := rand.New(rand.NewPCG(seed, 3))
		for i := real * d.H; i < len(u); i++ {
			u[i] = r.Float32() * 100
		}
		tau[real], tau[real+1] = r.Float32()*50, r.Float32()
		y := make([]float32, len(u))
		xs := make([]float32, kernels.S5CacheLen(d))
		kernels.CPU{}.S5Forward(d, p, u, tau, y, xs)
		dy := make([]float32, len(u))
		for i := range real * d.H {
			dy[i] = 1
		}
		du := make([]float32, len(u))
		kernels.CPU{}.S5Backward(d, p, u, tau, xs, dy, du, kernels.NewS5Params(d.H, d.P))
		return y[:real*d.H], du[:real*d.H]
	}
	y1, g1 := run(1)
	y2, g2 := run(2)
	for i := range y1 {
		if y1[i] != y2[i] || g1[i] != g2[i] {
			t.Fatalf("padding leaked into real position element %d: y %v vs %v, du %v vs %v", i, y1[i], y2[i], g1[i], g2[i])
		}
	}
}

// The backward reading the coefficients its forward kept equals the one computing
// them, bit for bit; a cache of another size is ignored.
func TestS5BackwardKeptEqualsComputed(t *testing.T) {
	d := kernels.S5Dims{B: 3, T: 7, H: 5, P: 4}
	p, u, tau := newS5Case(3, d)
	y, xs := make([]float32, len(u)), make([]float32, kernels.S5CacheLen(d))
	var keep kernels.S5Coefs
	kernels.CPU{}.S5ForwardKeep(d, p, u, tau, y, xs, &keep)
	dy := kerneltest.RandSlice(rand.New(rand.NewPCG(3, 2)), len(u), -1, 1)
	run := func(kept *kernels.S5Coefs) [][]float32 {
		du, g := make([]float32, len(u)), kernels.NewS5Params(d.H, d.P)
		kernels.CPU{}.S5BackwardKept(d, p, u, tau, xs, dy, du, g, kept)
		return append([][]float32{du}, g.Slices()...)
	}
	want := run(nil)
	small := kernels.S5Coefs{}
	kernels.CPU{}.S5ForwardKeep(kernels.S5Dims{B: 1, T: 7, H: 5, P: 4}, p, u, tau, y, xs[:2*7*4], &small)
	for name, kept := range map[string]*kernels.S5Coefs{"kept": &keep, "other size": &small} {
		for i, got := range run(kept) {
			for j := range got {
				if math.Float32bits(got[j]) != math.Float32bits(want[i][j]) {
					t.Fatalf("%s: gradient %d[%d] = %v, computed %v", name, i, j, got[j], want[i][j])
				}
			}
		}
	}
}
