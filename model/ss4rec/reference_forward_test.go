package ss4rec

// The reference forward pass: the hand-written forward over flat slices, with the
// backward of reference_backward_test.go. It is what the gorgonia graph (graph.go),
// the one training path, is checked against (same loss and gradients within float32
// rounding: TestGraphMatchesPlain, TestStepEngines), and what the inference engine
// (predict_window.go) is checked against bit for bit in evaluation mode
// (predict_reference_test.go).

import (
	"math/rand/v2"

	"github.com/recpipe/recpipe/model/kernels"
	"github.com/recpipe/recpipe/model/trainer"
)

// blockCache holds one block's activations for backward.
type blockCache struct {
	x, s5y, s5xs, drop1, a1, h    []float32
	s5in, s5in0                   []float32 // the S5 input (x, or x scaled per τ)
	ln1, ln2                      layerNorm
	xi, z, xc, xs, dtl, dtr       []float32
	bm, cm, ysc, hs, gt, m, drop2 []float32
	a2, out                       []float32
}

// pass is a forward pass's workspace; backward reads it.
type pass struct {
	n      *net
	be     kernels.Backend
	b      *batch
	train  bool
	x0     []float32
	blocks []blockCache
	o, u   []float32 // [nT×H] gathered states and head projections
	pred   []float32
	last   []float32 // output of the last block [rows×H]
}

func newPass(n *net, be kernels.Backend) *pass {
	return &pass{n: n, be: be, blocks: make([]blockCache, len(n.blocks))}
}

// referenceLoss runs the reference forward (training mode, dropout drawn from seed)
// and backward on b, leaving the gradient of the mean squared error over its targets
// in n's params.
func referenceLoss(n *net, be kernels.Backend, b *batch, seed uint64) trainer.Loss {
	ps := newPass(n, be)
	pred := ps.forward(b, true, rand.New(rand.NewPCG(seed, 0xd0)))
	dpred := make([]float32, len(pred))
	var loss trainer.Loss
	for k, y := range pred {
		d := float64(y) - float64(b.tRating[k])
		loss.SumSq += d * d
		dpred[k] = float32(2 * d / float64(max(len(pred), 1)))
	}
	loss.Count = len(pred)
	ps.backward(dpred, &grads{})
	return loss
}

// referenceStep is Step on the reference pass (what the retired plain engine ran).
func (m *Model) referenceStep(b trainer.Batch) trainer.Loss {
	m.loadBatch(b)
	return referenceLoss(m.net, m.Backend, &m.b, b.Seed)
}

// dropout draws mask as the graph draws it (fillMask) and multiplies x by it in place.
func dropout(mask, x []float32, p float32, r *rand.Rand) {
	fillMask(mask[:len(x)], p, r)
	for i := range x {
		x[i] *= mask[i]
	}
}

// forward computes predictions for every target of b. train enables dropout with rng.
func (ps *pass) forward(b *batch, train bool, rng *rand.Rand) []float32 {
	n, cfg := ps.n, ps.n.cfg
	H, E, N, R := cfg.Dim, cfg.e(), cfg.MambaN, cfg.dtRank()
	rows := b.nb * b.T
	ps.b, ps.train = b, train
	ps.x0 = grow(ps.x0, rows*H)
	for i, it := range b.items {
		xr := ps.x0[i*H : i*H+H]
		copy(xr, n.itemEmb.Value[int(it)*H:int(it)*H+H])
		rr := n.rateEmb.Value[int(b.rates[i])*H : int(b.rates[i])*H+H]
		for j, v := range rr {
			xr[j] += v
		}
	}
	x := ps.x0
	tau := b.tau
	for l := range n.blocks {
		blk, c := &n.blocks[l], &ps.blocks[l]
		c.x = x
		h := x
		if !cfg.MambaOnly {
			P := cfg.S5States
			c.s5y, c.s5xs = grow(c.s5y, rows*H), grow(c.s5xs, 2*rows*P)
			c.s5in = x
			if sc := cfg.s5InScale(); sc != nil {
				c.s5in = scaleRows(c.s5in0, x, tau, H, sc)
				c.s5in0 = c.s5in
			}
			ps.be.S5Forward(kernels.S5Dims{B: b.nb, T: b.T, H: H, P: P}, blk.s5W, c.s5in, tau, c.s5y, c.s5xs)
			c.a1 = grow(c.a1, rows*H)
			copy(c.a1, c.s5y)
			if train && cfg.Dropout > 0 {
				c.drop1 = grow(c.drop1, rows*H)
				dropout(c.drop1, c.a1, cfg.Dropout, rng)
			}
			for i, v := range x {
				c.a1[i] += v
			}
			c.h = grow(c.h, rows*H)
			c.ln1.forward(c.h, c.a1, blk.ln1g.Value, blk.ln1b.Value, rows)
			h = c.h
		}
		out := h
		if !cfg.S5Only {
			c.xi, c.z = grow(c.xi, rows*E), grow(c.z, rows*E)
			mm(c.xi, h, blk.winX.Value, rows, H, E, false, false, 0)
			mm(c.z, h, blk.winZ.Value, rows, H, E, false, false, 0)
			c.xc, c.xs = grow(c.xc, rows*E), grow(c.xs, rows*E)
			convForward(c.xc, c.xi, blk.convW.Value, blk.convB.Value, b.nb, b.T, E, convK)
			for i, v := range c.xc {
				c.xs[i] = silu(v)
			}
			c.dtl, c.dtr = grow(c.dtl, rows*R), grow(c.dtr, rows*E)
			c.bm, c.cm = grow(c.bm, rows*N), grow(c.cm, rows*N)
			mm(c.dtl, c.xs, blk.wxdt.Value, rows, E, R, false, false, 0)
			mm(c.bm, c.xs, blk.wxb.Value, rows, E, N, false, false, 0)
			mm(c.cm, c.xs, blk.wxc.Value, rows, E, N, false, false, 0)
			mm(c.dtr, c.dtl, blk.wdt.Value, rows, R, E, false, false, 0)
			addBias(c.dtr, blk.bdt.Value)
			c.ysc, c.hs = grow(c.ysc, rows*E), grow(c.hs, rows*E*N)
			md := kernels.MambaDims{B: b.nb, T: b.T, E: E, N: N}
			ps.be.MambaForward(md, ps.mambaIn(blk, c), c.ysc, c.hs)
			c.gt = grow(c.gt, rows*E)
			for i, v := range c.ysc {
				c.gt[i] = v * silu(c.z[i])
			}
			c.m = grow(c.m, rows*H)
			mm(c.m, c.gt, blk.wout.Value, rows, E, H, false, false, 0)
			if train && cfg.Dropout > 0 {
				c.drop2 = grow(c.drop2, rows*H)
				dropout(c.drop2, c.m, cfg.Dropout, rng)
			}
			c.a2 = grow(c.a2, rows*H)
			for i, v := range h {
				c.a2[i] = v + c.m[i]
			}
			c.out = grow(c.out, rows*H)
			c.ln2.forward(c.out, c.a2, blk.ln2g.Value, blk.ln2b.Value, rows)
			out = c.out
		}
		x = out
	}
	// head
	nT := len(b.tRow)
	ps.o, ps.u, ps.pred = grow(ps.o, nT*H), grow(ps.u, nT*H), grow(ps.pred, nT)
	for k, row := range b.tRow {
		copy(ps.o[k*H:k*H+H], x[int(row)*H:int(row)*H+H])
	}
	mm(ps.u, ps.o, n.wu.Value, nT, H, H, false, false, 0)
	addBias(ps.u, n.bu.Value)
	for k, it := range b.tItem {
		e := n.itemEmb.Value[int(it)*H : int(it)*H+H]
		o, u := ps.o[k*H:k*H+H], ps.u[k*H:k*H+H]
		s := n.itemBias.Value[it]
		for j := range H {
			s += u[j]*e[j] + o[j]*n.wb.Value[j]
		}
		ps.pred[k] = n.mu + s
	}
	ps.last = x
	return ps.pred
}

func (ps *pass) mambaIn(blk *block, c *blockCache) kernels.MambaIn {
	return kernels.MambaIn{X: c.xs, DtRaw: c.dtr, Bm: c.bm, Cm: c.cm, ALog: blk.aLog.Value, D: blk.dm.Value}
}
