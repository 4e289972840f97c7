package kernels_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/recpipe/recpipe/model/kernels"
	"github.com/recpipe/recpipe/model/kernels/kerneltest"
)

func newMambaCase(seed uint64, d kernels.MambaDims) kernels.MambaIn {
	r := rand.New(rand.NewPCG(seed, 2))
	in := kernels.NewMambaIn(d)
	copy(in.X, kerneltest.RandSlice(r, len(in.X), -1, 1))
	copy(in.DtRaw, kerneltest.RandSlice(r, len(in.DtRaw), -3, 1))
	copy(in.Bm, kerneltest.RandSlice(r, len(in.Bm), -1, 1))
	copy(in.Cm, kerneltest.RandSlice(r, len(in.Cm), -1, 1))
	copy(in.ALog, kerneltest.RandSlice(r, len(in.ALog), -1, 1.5))
	copy(in.D, kerneltest.RandSlice(r, len(in.D), -1, 1))
	return in
}

func mambaSlices(in kernels.MambaIn) [][]float32 {
	return [][]float32{in.X, in.DtRaw, in.Bm, in.Cm, in.ALog, in.D}
}

func TestMambaForwardMatchesReference(t *testing.T) {
	d := kernels.MambaDims{B: 3, T: 6, E: 5, N: 4}
	in := newMambaCase(1, d)
	y := make([]float32, d.B*d.T*d.E)
	kernels.CPU{}.MambaForward(d, in, y, make([]float32, kernels.MambaCacheLen(d)))
	want := kerneltest.RefMamba(d, kerneltest.To64(in.X), kerneltest.To64(in.DtRaw), kerneltest.To64(in.Bm), kerneltest.To64(in.Cm), kerneltest.To64(in.ALog), kerneltest.To64(in.D))
	for i := range y {
		if math.Abs(float64(y[i])-want[i]) > 1e-4 {
			t.Fatalf("y[%d] = %v, reference %v", i, y[i], want[i])
		}
	}
}

func TestMambaBackwardFiniteDifferences(t *testing.T) {
	tests := []struct {
		name string
		d    kernels.MambaDims
		seed uint64
	}{
		{"small", kernels.MambaDims{B: 2, T: 5, E: 3, N: 4}, 2},
		{"one-step", kernels.MambaDims{B: 1, T: 1, E: 2, N: 2}, 3},
		{"longer", kernels.MambaDims{B: 3, T: 10, E: 2, N: 3}, 4},
	}
	names := []string{"X", "DtRaw", "Bm", "Cm", "ALog", "D"}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.d
			in := newMambaCase(tc.seed, d)
			r := rand.New(rand.NewPCG(tc.seed, 5))
			wts := kerneltest.RandSlice(r, d.B*d.T*d.E, -1, 1)
			y := make([]float32, len(wts))
			hs := make([]float32, kernels.MambaCacheLen(d))
			be := kernels.CPU{Workers: 2}
			be.MambaForward(d, in, y, hs)
			g := kernels.NewMambaIn(d)
			be.MambaBackward(d, in, hs, wts, g)

			xs := [][]float64{}
			for _, s := range mambaSlices(in) {
				xs = append(xs, kerneltest.To64(s))
			}
			w64 := kerneltest.To64(wts)
			loss := func() float64 {
				return kerneltest.Dot(kerneltest.RefMamba(d, xs[0], xs[1], xs[2], xs[3], xs[4], xs[5]), w64)
			}
			for k, s := range mambaSlices(g) {
				for i := range s {
					fd := kerneltest.FDGrad(xs[k], i, loss)
					if e := kerneltest.RelErr(float64(s[i]), fd); e > 2e-3 {
						t.Errorf("d%s[%d] = %v, finite difference %v (err %.2g)", names[k], i, s[i], fd, e)
					}
				}
			}
		})
	}
}

func TestMambaExtremeStepsStayFinite(t *testing.T) {
	d := kernels.MambaDims{B: 1, T: 3, E: 2, N: 2}
	in := newMambaCase(6, d)
	copy(in.DtRaw, []float32{-80, 80, 0, 1e4, -1e4, 30})
	y := make([]float32, d.B*d.T*d.E)
	hs := make([]float32, kernels.MambaCacheLen(d))
	kernels.CPU{}.MambaForward(d, in, y, hs)
	g := kernels.NewMambaIn(d)
	kernels.CPU{}.MambaBackward(d, in, hs, y, g)
	for _, s := range append(mambaSlices(g), y, hs) {
		for i, v := range s {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("non-finite value %v at %d", v, i)
			}
		}
	}
}
