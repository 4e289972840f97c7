package gop

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/recpipe/recpipe/model/kernels"
)

// S5 applies the time-aware S5 scan: u [B,T,H], tau [B,T] (not differentiated),
// logA, imA, logStep [P], bRe, bIm [P,H], cRe, cIm [H,P], d [H] → y [B,T,H].
func S5(be kernels.Backend, u, tau, logA, imA, logStep, bRe, bIm, cRe, cIm, d *G.Node) (*G.Node, error) {
	us, ps := u.Shape(), logA.Shape()
	if us.Dims() != 3 || ps.Dims() != 1 {
		return nil, fmt.Errorf("S5: want u [B,T,H] and logA [P], got %v and %v", us, ps)
	}
	dims := kernels.S5Dims{B: us[0], T: us[1], H: us[2], P: ps[0]}
	H, P := dims.H, dims.P
	want := []tensor.Shape{{dims.B, dims.T, H}, {dims.B, dims.T}, {P}, {P}, {P}, {P, H}, {P, H}, {H, P}, {H, P}, {H}}
	nodes := G.Nodes{u, tau, logA, imA, logStep, bRe, bIm, cRe, cIm, d}
	for i, n := range nodes {
		if !n.Shape().Eq(want[i]) {
			return nil, fmt.Errorf("S5: input %d (%s) has shape %v, want %v", i, n.Name(), n.Shape(), want[i])
		}
	}
	params := func(in [][]float32) kernels.S5Params {
		return kernels.S5Params{LogA: in[2], ImA: in[3], LogStep: in[4], BRe: in[5], BIm: in[6], CRe: in[7], CIm: in[8], D: in[9]}
	}
	f := &fused{
		name: fmt.Sprintf("S5%v", dims),
		in:   want, out: want[0],
		diff: []bool{true, false, true, true, true, true, true, true, true, true},
		fwd: func(in [][]float32) []float32 {
			y := make([]float32, want[0].TotalSize())
			be.S5Forward(dims, params(in), in[0], in[1], y, make([]float32, kernels.S5CacheLen(dims)))
			return y
		},
		bwd: func(in [][]float32, dy []float32) [][]float32 {
			xs := make([]float32, kernels.S5CacheLen(dims))
			be.S5Forward(dims, params(in), in[0], in[1], make([]float32, len(dy)), xs)
			du := make([]float32, len(in[0]))
			g := kernels.NewS5Params(H, P)
			be.S5Backward(dims, params(in), in[0], in[1], xs, dy, du, g)
			return append([][]float32{du, nil}, g.Slices()...)
		},
	}
	return G.ApplyOp(fusedOp{f}, nodes...)
}

// SelectiveScan applies the Mamba selective scan: x, dtRaw [B,T,E], bm, cm [B,T,N],
// aLog [E,N], d [E] → y [B,T,E]; softplus(dtRaw) is the step.
func SelectiveScan(be kernels.Backend, x, dtRaw, bm, cm, aLog, d *G.Node) (*G.Node, error) {
	xs, as := x.Shape(), aLog.Shape()
	if xs.Dims() != 3 || as.Dims() != 2 {
		return nil, fmt.Errorf("SelectiveScan: want x [B,T,E] and aLog [E,N], got %v and %v", xs, as)
	}
	dims := kernels.MambaDims{B: xs[0], T: xs[1], E: xs[2], N: as[1]}
	want := []tensor.Shape{{dims.B, dims.T, dims.E}, {dims.B, dims.T, dims.E}, {dims.B, dims.T, dims.N}, {dims.B, dims.T, dims.N}, {dims.E, dims.N}, {dims.E}}
	nodes := G.Nodes{x, dtRaw, bm, cm, aLog, d}
	for i, n := range nodes {
		if !n.Shape().Eq(want[i]) {
			return nil, fmt.Errorf("SelectiveScan: input %d (%s) has shape %v, want %v", i, n.Name(), n.Shape(), want[i])
		}
	}
	mi := func(in [][]float32) kernels.MambaIn {
		return kernels.MambaIn{X: in[0], DtRaw: in[1], Bm: in[2], Cm: in[3], ALog: in[4], D: in[5]}
	}
	f := &fused{
		name: fmt.Sprintf("SelectiveScan%v", dims),
		in:   want, out: want[0],
		diff: []bool{true, true, true, true, true, true},
		fwd: func(in [][]float32) []float32 {
			y := make([]float32, want[0].TotalSize())
			be.MambaForward(dims, mi(in), y, make([]float32, kernels.MambaCacheLen(dims)))
			return y
		},
		bwd: func(in [][]float32, dy []float32) [][]float32 {
			hs := make([]float32, kernels.MambaCacheLen(dims))
			be.MambaForward(dims, mi(in), make([]float32, len(dy)), hs)
			g := kernels.NewMambaIn(dims)
			be.MambaBackward(dims, mi(in), hs, dy, g)
			return [][]float32{g.X, g.DtRaw, g.Bm, g.Cm, g.ALog, g.D}
		},
	}
	return G.ApplyOp(fusedOp{f}, nodes...)
}
