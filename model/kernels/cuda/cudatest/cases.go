package cudatest

import (
	"math/rand/v2"

	"github.com/recpipe/recpipe/model/kernels"
	"github.com/recpipe/recpipe/model/kernels/kerneltest"
)

// S5Case returns seeded S5 parameters, inputs u, gaps tau and an output gradient dy,
// with right padding as in training: the last third of every other sequence has a
// zero gap and a zero output gradient; one real position has a zero gap (a tie).
func S5Case(seed uint64, d kernels.S5Dims) (p kernels.S5Params, u, tau, dy []float32) {
	r := rand.New(rand.NewPCG(seed, 1))
	p = kernels.NewS5Params(d.H, d.P)
	copy(p.LogA, kerneltest.RandSlice(r, d.P, -1, 0.5))
	copy(p.ImA, kerneltest.RandSlice(r, d.P, -3, 3))
	copy(p.LogStep, kerneltest.RandSlice(r, d.P, -1.5, 0.5))
	for _, s := range [][]float32{p.BRe, p.BIm, p.CRe, p.CIm, p.D} {
		copy(s, kerneltest.RandSlice(r, len(s), -0.5, 0.5))
	}
	u = kerneltest.RandSlice(r, d.B*d.T*d.H, -1, 1)
	tau = kerneltest.RandSlice(r, d.B*d.T, 0, 3)
	dy = kerneltest.RandSlice(r, len(u), -1, 1)
	for b := 0; b < d.B; b += 2 {
		for t := d.T - d.T/3; t < d.T; t++ {
			tau[b*d.T+t] = 0
			clear(dy[(b*d.T+t)*d.H : (b*d.T+t+1)*d.H])
		}
	}
	tau[0] = 0
	return p, u, tau, dy
}

// MambaCase returns seeded selective-scan inputs and an output gradient, padded
// like S5Case, with one step in softplus's linear branch.
func MambaCase(seed uint64, d kernels.MambaDims) (kernels.MambaIn, []float32) {
	r := rand.New(rand.NewPCG(seed, 3))
	in := kernels.NewMambaIn(d)
	copy(in.X, kerneltest.RandSlice(r, len(in.X), -1, 1))
	copy(in.DtRaw, kerneltest.RandSlice(r, len(in.DtRaw), -3, 1))
	copy(in.Bm, kerneltest.RandSlice(r, len(in.Bm), -1, 1))
	copy(in.Cm, kerneltest.RandSlice(r, len(in.Cm), -1, 1))
	copy(in.ALog, kerneltest.RandSlice(r, len(in.ALog), -1, 1.5))
	copy(in.D, kerneltest.RandSlice(r, len(in.D), -1, 1))
	in.DtRaw[0] = 25
	dy := kerneltest.RandSlice(r, d.B*d.T*d.E, -1, 1)
	for b := 0; b < d.B; b += 2 {
		clear(dy[(b*d.T+d.T-d.T/3)*d.E : (b+1)*d.T*d.E])
	}
	return in, dy
}
