package ss4rec

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/recpipe/recpipe/model/kernels"
)

// The scans enter the graph as one fused Op each, over the kernels.Backend: forward
// fills the output and the state cache, backward (one more Op) reads the cache and
// returns every input gradient packed in one vector, and an unpack Op per input
// copies its part out.
//
// Why an unpack Op and not gorgonia's Slice: gorgonia v0.9.18 hashes a slice's start
// and end as bytes (sliceOp.WriteHash writes byte(op.Start()), byte(op.End())). Two
// slices of the same packed node whose bounds agree modulo 256 are therefore merged
// into one node by the graph's hash-consing: at the model's sizes (H=32, P=16; E=64,
// N=8, 50 positions) the gradients of B_im, C_re and C_im would all come back as
// B_re's, and those of Δ and C as x's and B's (an earlier wrapper of these kernels
// did exactly that; tests at sizes below 256 do not show it). The unpack Op below
// hashes its full bounds.

// scanCache is the state cache a scan's forward leaves for its backward in the same
// run (a buffer of the graph, outside gorgonia's registers).
type scanCache struct{ buf []float32 }

// s5Scan is the time-aware S5 layer: u [B,T,H] or [B·T,H], tau [B,T] (not
// differentiated) and the eight S5 params (LogA, ImA, LogStep [P], BRe, BIm [P,H],
// CRe, CIm [H,P], D [H]) → y of u's shape. The graph passes rows [B·T,H], so no
// reshape copies its input or output.
func s5Scan(label string, be kernels.Backend, u, tau *G.Node, ps G.Nodes, scale func(float32) float32) (*G.Node, error) {
	us, ts := u.Shape(), tau.Shape()
	if ts.Dims() != 2 || us.TotalSize()%max(ts.TotalSize(), 1) != 0 || us.Dims() < 2 || len(ps) != 8 || ps[0].Shape().Dims() != 1 {
		return nil, fmt.Errorf("S5 %s: want u [B,T,H] or [B·T,H], tau [B,T] and 8 params, got %v, %v and %d", label, us, ts, len(ps))
	}
	d := kernels.S5Dims{B: ts[0], T: ts[1], H: us[us.Dims()-1], P: ps[0].Shape()[0]}
	H, P := d.H, d.P
	in := []tensor.Shape{us.Clone(), {d.B, d.T}, {P}, {P}, {P}, {P, H}, {P, H}, {H, P}, {H, P}, {H}}
	params := func(v [][]float32) kernels.S5Params {
		return kernels.S5Params{LogA: v[2], ImA: v[3], LogStep: v[4], BRe: v[5], BIm: v[6], CRe: v[7], CIm: v[8], D: v[9]}
	}
	cache := &scanCache{buf: make([]float32, kernels.S5CacheLen(d))}
	coefs := &kernels.S5Coefs{} // the forward's coefficients, for the backward (CPU)
	diff := []bool{true, false, true, true, true, true, true, true, true, true}
	name := fmt.Sprintf("S5(%s)%v", label, d)
	var scaled []float32 // the scaled input, when scale is set
	input := func(v [][]float32) []float32 {
		if scale == nil {
			return v[0]
		}
		scaled = scaleRows(scaled, v[0], v[1], H, scale)
		return scaled
	}
	return apply(&kop{overwrites: true, name: name, in: in, out: in[0],
		fwd: func(out []float32, v [][]float32) error {
			if cpu, ok := be.(kernels.CPU); ok { // the backward reuses the coefficients
				cpu.S5ForwardKeep(d, params(v), input(v), v[1], out, cache.buf, coefs)
			} else {
				be.S5Forward(d, params(v), input(v), v[1], out, cache.buf)
			}
			return nil
		},
		diff: diff,
		grad: func(inputs G.Nodes, _, dy *G.Node) (G.Nodes, error) {
			return packedGrad(name, in, diff, inputs, dy, func(v [][]float32, dy []float32, grads [][]float32) {
				for _, s := range grads {
					clear(s)
				}
				du, g := grads[0], params(grads)
				if cpu, ok := be.(kernels.CPU); ok {
					cpu.S5BackwardKept(d, params(v), input(v), v[1], cache.buf, dy, du, g, coefs)
				} else {
					be.S5Backward(d, params(v), input(v), v[1], cache.buf, dy, du, g)
				}
				if scale != nil {
					scaleRows(du, du, v[1], H, scale)
				}
			})
		},
	}, append(G.Nodes{u, tau}, ps...)...)
}

// selectiveScan is Mamba's scan over windows of T positions: x, dtRaw [B,T,E] or
// [B·T,E], bm, cm [B,T,N] or [B·T,N], aLog [E,N], d [E] → y of x's shape, with step
// softplus(dtRaw).
func selectiveScan(label string, be kernels.Backend, T int, x, dtRaw, bm, cm, aLog, dm *G.Node) (*G.Node, error) {
	xs, bs, as := x.Shape(), bm.Shape(), aLog.Shape()
	if xs.Dims() < 2 || as.Dims() != 2 || T <= 0 || (xs.TotalSize()/xs[xs.Dims()-1])%T != 0 {
		return nil, fmt.Errorf("selective scan %s: want x [B,T,E] or [B·T,E] with T = %d and aLog [E,N], got %v and %v", label, T, xs, as)
	}
	E := xs[xs.Dims()-1]
	d := kernels.MambaDims{B: xs.TotalSize() / E / T, T: T, E: E, N: as[1]}
	in := []tensor.Shape{xs.Clone(), xs.Clone(), bs.Clone(), bs.Clone(), {d.E, d.N}, {d.E}}
	mi := func(v [][]float32) kernels.MambaIn {
		return kernels.MambaIn{X: v[0], DtRaw: v[1], Bm: v[2], Cm: v[3], ALog: v[4], D: v[5]}
	}
	cache := &scanCache{buf: make([]float32, kernels.MambaCacheLen(d))}
	diff := []bool{true, true, true, true, true, true}
	name := fmt.Sprintf("SelectiveScan(%s)%v", label, d)
	return apply(&kop{overwrites: true, name: name, in: in, out: in[0],
		fwd: func(out []float32, v [][]float32) error {
			be.MambaForward(d, mi(v), out, cache.buf)
			return nil
		},
		diff: diff,
		grad: func(inputs G.Nodes, _, dy *G.Node) (G.Nodes, error) {
			return packedGrad(name, in, diff, inputs, dy, func(v [][]float32, dy []float32, grads [][]float32) {
				for _, s := range grads {
					clear(s)
				}
				be.MambaBackward(d, mi(v), cache.buf, dy, mi(grads))
			})
		},
	}, x, dtRaw, bm, cm, aLog, dm)
}

// packedGrad applies a backward Op (inputs…, dy → every differentiated input's
// gradient, concatenated) and unpacks it, one Op per input. bwd writes each
// differentiated input's gradient into its view of the packed output, grads[i] (nil
// for the others); the views hold the previous run's values, so bwd clears what it
// accumulates into.
func packedGrad(name string, in []tensor.Shape, diff []bool, inputs G.Nodes, dy *G.Node,
	bwd func(v [][]float32, dy []float32, grads [][]float32)) (G.Nodes, error) {
	total := 0
	for i, s := range in {
		if diff[i] {
			total += s.TotalSize()
		}
	}
	bin := append(append([]tensor.Shape{}, in...), dy.Shape().Clone())
	packed, err := apply(&kop{overwrites: true, name: name + "Grad", in: bin, out: shape(total),
		fwd: func(out []float32, v [][]float32) error {
			grads, off := make([][]float32, len(in)), 0
			for i, s := range in {
				if diff[i] {
					n := s.TotalSize()
					grads[i], off = out[off:off+n:off+n], off+n
				}
			}
			bwd(v[:len(in)], v[len(in)], grads)
			return nil
		}}, append(append(G.Nodes{}, inputs...), dy)...)
	if err != nil {
		return nil, err
	}
	out := make(G.Nodes, len(in))
	off := 0
	for i, s := range in {
		if !diff[i] {
			continue
		}
		lo, n := off, s.TotalSize()
		out[i], err = apply(&kop{overwrites: true, name: fmt.Sprintf("Unpack(%s,%d,%d:%d)", name, i, lo, lo+n), in: []tensor.Shape{shape(total)}, out: s.Clone(),
			fwd: func(o []float32, v [][]float32) error { copy(o, v[0][lo:lo+n]); return nil }}, packed)
		if err != nil {
			return nil, err
		}
		off += n
	}
	return out, nil
}
