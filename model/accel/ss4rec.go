package accel

import (
	"context"
	"fmt"

	"github.com/recpipe/recpipe/model/kernels/cuda"
	"github.com/recpipe/recpipe/model/ss4rec"
	"github.com/recpipe/recpipe/model/trainer"
)

// ss4recStep is SS4Rec's training step resident on the device: the parameters, Adam's
// moments, every window's gaps and target ratings and every activation (the scans'
// state caches included) stay there; a step copies the batch's indices up (one
// transfer: each position's item row and rating index, the batch's windows, each
// target's row, item and rating index, and the row plans of the sparse gradients) and
// its scalars down (one transfer). The dropout masks are drawn on the device from the
// batch's seed, as the host graph draws them.
type ss4recStep struct {
	*resident
	m         *ss4rec.Model
	p         ss4rec.Parts
	ratingOff []int32 // each window's first target in the resident ratings
	idx       []int32 // host staging of the batch
}

func newSS4RecStep(dv *cuda.Device, m *ss4rec.Model, params []*trainer.Param, adam *trainer.Adam, tc trainer.TrainConfig) (*ss4recStep, error) {
	res, err := newResident(dv, "ss4rec", params, adam, tc)
	if err != nil {
		return nil, err
	}
	w := m.DeviceWindows()
	err = dv.Run("attach ss4rec windows", func(q *cuda.Queue) error {
		for _, c := range []struct {
			name string
			f    []float32
			i    []int32
		}{{"ss4rec.windows.tau", w.Tau, nil}, {"ss4rec.windows.tau_off", nil, w.TauOff}, {"ss4rec.windows.ratings", w.Ratings, nil}} {
			b, err := q.Alloc(c.name, max(len(c.f), len(c.i), 1))
			if err != nil {
				return err
			}
			if c.f != nil {
				err = cuda.Put(q, b, c.f)
			} else {
				err = cuda.Put(q, b, c.i)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	return &ss4recStep{resident: res, m: m, p: m.Parts(), ratingOff: w.RatingOff}, err
}

// resident returns the resident buffer called name (allocated at attach).
func (r *run) resident(name string) cuda.Ptr {
	if r.err != nil {
		return 0
	}
	b, err := r.q.Alloc(name, 1) // allocated at attach: never grown here
	r.err = err
	return b.Ptr
}

// seqIdx holds the offsets of a batch's parts in the uploaded array.
type seqIdx struct {
	items, rates, windows, tRow, tItem, tRating int
	row, tgt, in, rate, emb                     planAt // plans: targets' rows, target items, input items, ratings, item_emb's touched rows
	nb, T, nT, nRating                          int
}

// planAt is where a RowPlan lies in the uploaded array.
type planAt struct{ rows, start, pos, n int }

func (s *ss4recStep) putPlan(pl cuda.RowPlan) planAt {
	a := planAt{rows: len(s.idx), n: len(pl.Rows)}
	s.idx = append(s.idx, pl.Rows...)
	a.start = len(s.idx)
	s.idx = append(s.idx, pl.Start...)
	a.pos = len(s.idx)
	s.idx = append(s.idx, pl.Pos...)
	return a
}

func (s *ss4recStep) putInts(v []int32) int {
	at := len(s.idx)
	s.idx = append(s.idx, v...)
	return at
}

// pack lays out batch b of windows ex for the upload: indices only (the gaps and target
// ratings are read on the device from the resident windows).
func (s *ss4recStep) pack(b ss4rec.DeviceBatch, ex []int) seqIdx {
	s.idx = s.idx[:0]
	o := seqIdx{nb: b.Windows, T: b.T, nT: len(b.TRow)}
	o.items, o.rates = s.putInts(b.Items), s.putInts(b.Rates)
	o.windows = len(s.idx)
	for _, w := range ex {
		s.idx = append(s.idx, int32(w))
	}
	o.tRow, o.tItem = s.putInts(b.TRow), s.putInts(b.TItem)
	o.tRating = len(s.idx) // each target's index into the resident ratings, in batch order
	for _, w := range ex {
		for k := s.ratingOff[w]; k < s.ratingOff[w+1]; k++ {
			s.idx = append(s.idx, k)
		}
	}
	o.nRating = len(s.idx) - o.tRating
	o.row = s.putPlan(cuda.NewRowPlan(b.TRow))
	o.tgt = s.putPlan(cuda.NewRowPlan(b.TItem))
	// the input gather's backward skips padding; its positions are the batch rows
	var in, at []int32
	for i, it := range b.Items {
		if it != 0 {
			in, at = append(in, it), append(at, int32(i))
		}
	}
	pl := cuda.NewRowPlan(in)
	for k, p := range pl.Pos {
		pl.Pos[k] = at[p]
	}
	o.in = s.putPlan(pl)
	o.rate = s.putPlan(cuda.NewRowPlan(b.Rates))
	// item_emb's touched rows: the targets' items, then the inputs' (first-touch order)
	o.emb = s.putPlan(cuda.NewRowPlan(append(append([]int32{}, b.TItem...), in...)))
	return o
}

// Step implements trainer.DeviceStepper.
func (s *ss4recStep) Step(ctx context.Context, b trainer.Batch, lr, clip float64) (trainer.DeviceStep, error) {
	if err := ctx.Err(); err != nil {
		return trainer.DeviceStep{}, err
	}
	db := s.m.DeviceBatch(b)
	rowsIn := len(s.p.ItemEmb.Value) / s.p.Dim
	if err := cuda.CheckIndices("ss4rec item rows", db.Items, rowsIn); err != nil {
		return trainer.DeviceStep{}, err
	}
	if err := cuda.CheckIndices("ss4rec target items", db.TItem, rowsIn); err != nil {
		return trainer.DeviceStep{}, err
	}
	o := s.pack(db, b.Examples)
	if o.nRating != o.nT {
		return trainer.DeviceStep{}, fmt.Errorf("ss4rec batch: %d targets, the windows hold %d ratings", o.nT, o.nRating)
	}
	s.adam.Step++
	err := s.step("ss4rec", s.idx, func(r *run, ib, acc cuda.Buf) {
		f := &seqPass{run: r, s: s, ib: ib, o: o, seed: b.Seed}
		f.forward()
		f.loss(acc)
		f.backward()
		r.updateParams(s.resident, acc, func(t *trainer.Param) (cuda.Ptr, int) {
			if t == s.p.ItemBias {
				return ib.At(o.tgt.rows), o.tgt.n
			}
			return ib.At(o.emb.rows), o.emb.n
		}, clip, lr)
	})
	if err != nil {
		return trainer.DeviceStep{}, err
	}
	return stepResult(s.scal, s.scal[accLoss], o.nT), nil
}

// seqPass is one step's forward and backward: the activations each layer keeps for
// its backward, by block.
type seqPass struct {
	*run
	s    *ss4recStep
	ib   cuda.Buf
	o    seqIdx
	seed uint64
	mask int // dropout masks drawn so far

	tau, y cuda.Ptr // the batch's gaps [rows] and target ratings [nT], from the resident windows
	x0     cuda.Ptr // the input embeddings [rows×H]
	blocks []blockActs
	// head
	o2, u, e, eb, pred, dpred cuda.Ptr
}

// blockActs are one block's activations.
type blockActs struct {
	in                                  cuda.Ptr // the block's input
	su, sxs, sy, mask1, a1, h, xh1, rs1 cuda.Ptr // S5: scaled input, state cache, output, mask, residual, LN out, x̂, 1/σ
	xi, z, xc, xs, dtl, bm, cm, dtr     cuda.Ptr // Mamba's projections
	ysc, hs, sz, gt, mo, mask2, a2      cuda.Ptr
	out, xh2, rs2                       cuda.Ptr
}

func (f *seqPass) dims() (rows, H, P, E, N, R, K int) {
	p := f.s.p
	return f.o.nb * f.o.T, p.Dim, p.S5States, p.E, p.MambaN, p.DtRank, p.ConvK
}

func (f *seqPass) bact(l int, name string, n int) cuda.Ptr {
	return f.act(fmt.Sprintf("b%d.%s", l, name), n)
}

// dropout multiplies x [rows×H] by the next mask of the step, drawn into m.
func (f *seqPass) dropout(x, m cuda.Ptr, n int) {
	p := f.s.p.Dropout
	keep := 1 / (1 - p)
	f.launch("dropout_mask", n, m, int64(n), int64(f.mask*n), int64(f.seed), int64(ss4rec.DropoutStream), float64(p), float64(keep))
	f.launch("hadamard", n, x, x, m, int64(n))
	f.mask++
}

func (f *seqPass) forward() {
	s, p, o := f.s, f.s.p, f.o
	rows, H, P, E, N, R, K := f.dims()
	B, T := o.nb, o.T
	w := s.w
	f.tau, f.y = f.act("tau", rows), f.act("y", o.nT)
	f.launch("window_tau", rows, f.tau, f.resident("ss4rec.windows.tau"), f.resident("ss4rec.windows.tau_off"), f.ib.At(o.windows), int64(B), int64(T))
	f.launch("gather_rows", o.nT, f.y, f.resident("ss4rec.windows.ratings"), f.ib.At(o.tRating), int64(o.nT), int64(1))
	tau := f.tau
	f.x0 = f.act("x0", rows*H)
	f.launch("embed_sum", rows*H, f.x0, w(p.ItemEmb), w(p.RateEmb), f.ib.At(o.items), f.ib.At(o.rates), int64(rows), int64(H))
	x := f.x0
	drop := p.Dropout > 0
	f.blocks = make([]blockActs, len(p.Blocks))
	for l, bp := range p.Blocks {
		a := &f.blocks[l]
		a.in = x
		h := x
		if p.S5 {
			ps := bp.S5
			a.su = x
			if p.InputPerTime {
				a.su = f.bact(l, "su", rows*H)
				f.launch("scale_rows", rows*H, a.su, x, tau, int64(rows), int64(H))
			}
			a.sxs, a.sy = f.bact(l, "sxs", rows*2*P), f.bact(l, "sy", rows*H)
			f.launch("s5_fwd_states", B*P, a.sxs, a.su, tau, w(ps[0]), w(ps[1]), w(ps[2]), w(ps[3]), w(ps[4]), int64(B), int64(T), int64(H), int64(P))
			f.launch("s5_fwd_out", rows*H, a.sy, a.su, a.sxs, w(ps[5]), w(ps[6]), w(ps[7]), int64(B), int64(T), int64(H), int64(P))
			if drop {
				a.mask1 = f.bact(l, "mask1", rows*H)
				f.dropout(a.sy, a.mask1, rows*H)
			}
			a.a1, a.h = f.bact(l, "a1", rows*H), f.bact(l, "h", rows*H)
			a.xh1, a.rs1 = f.bact(l, "xh1", rows*H), f.bact(l, "rs1", rows)
			f.launch("vec_add", rows*H, a.a1, x, a.sy, int64(rows*H))
			f.launch("layer_norm_fwd", rows, a.h, a.xh1, a.rs1, a.a1, w(bp.LN1Gamma), w(bp.LN1Beta), int64(rows), int64(H))
			h = a.h
		}
		out := h
		if p.Mamba {
			a.xi, a.z, a.xc, a.xs = f.bact(l, "xi", rows*E), f.bact(l, "z", rows*E), f.bact(l, "xc", rows*E), f.bact(l, "xs", rows*E)
			f.gemm(a.xi, h, w(bp.WInX), rows, H, E, false, false, 0)
			f.gemm(a.z, h, w(bp.WInZ), rows, H, E, false, false, 0)
			f.launch("conv_fwd", rows*E, a.xc, a.xi, w(bp.ConvW), w(bp.ConvB), int64(B), int64(T), int64(E), int64(K))
			f.launch("silu_fwd", rows*E, a.xs, a.xc, int64(rows*E))
			a.dtl, a.bm, a.cm, a.dtr = f.bact(l, "dtl", rows*R), f.bact(l, "bm", rows*N), f.bact(l, "cm", rows*N), f.bact(l, "dtr", rows*E)
			f.gemm(a.dtl, a.xs, w(bp.WXDt), rows, E, R, false, false, 0)
			f.gemm(a.bm, a.xs, w(bp.WXB), rows, E, N, false, false, 0)
			f.gemm(a.cm, a.xs, w(bp.WXC), rows, E, N, false, false, 0)
			f.gemm(a.dtr, a.dtl, w(bp.WDt), rows, R, E, false, false, 0)
			f.launch("bias_add", rows*E, a.dtr, w(bp.BDt), int64(rows), int64(E))
			a.ysc, a.hs = f.bact(l, "ysc", rows*E), f.bact(l, "hs", rows*E*N)
			f.launch("mamba_fwd", B*E, a.ysc, a.hs, a.xs, a.dtr, a.bm, a.cm, w(bp.ALog), w(bp.DM), int64(B), int64(T), int64(E), int64(N))
			a.sz, a.gt, a.mo = f.bact(l, "sz", rows*E), f.bact(l, "gt", rows*E), f.bact(l, "mo", rows*H)
			f.launch("silu_fwd", rows*E, a.sz, a.z, int64(rows*E))
			f.launch("hadamard", rows*E, a.gt, a.ysc, a.sz, int64(rows*E))
			f.gemm(a.mo, a.gt, w(bp.WOut), rows, E, H, false, false, 0)
			if drop {
				a.mask2 = f.bact(l, "mask2", rows*H)
				f.dropout(a.mo, a.mask2, rows*H)
			}
			a.a2, a.out = f.bact(l, "a2", rows*H), f.bact(l, "out", rows*H)
			a.xh2, a.rs2 = f.bact(l, "xh2", rows*H), f.bact(l, "rs2", rows)
			f.launch("vec_add", rows*H, a.a2, h, a.mo, int64(rows*H))
			f.launch("layer_norm_fwd", rows, a.out, a.xh2, a.rs2, a.a2, w(bp.LN2Gamma), w(bp.LN2Beta), int64(rows), int64(H))
			out = a.out
		}
		x = out
	}
	// head: μ + b_j + ⟨W_u·o + c, e_j⟩ + ⟨w_b, o⟩ per target
	nT := o.nT
	f.o2, f.u, f.e, f.eb, f.pred = f.act("o", nT*H), f.act("u", nT*H), f.act("e", nT*H), f.act("eb", nT), f.act("pred", nT)
	f.launch("gather_rows", nT*H, f.o2, x, f.ib.At(o.tRow), int64(nT), int64(H))
	f.gemm(f.u, f.o2, w(p.WU), nT, H, H, false, false, 0)
	f.launch("bias_add", nT*H, f.u, w(p.BU), int64(nT), int64(H))
	f.launch("gather_rows", nT*H, f.e, w(p.ItemEmb), f.ib.At(o.tItem), int64(nT), int64(H))
	f.launch("gather_rows", nT, f.eb, w(p.ItemBias), f.ib.At(o.tItem), int64(nT), int64(1))
	f.launch("ss4rec_head", nT, f.pred, f.u, f.e, f.o2, w(p.WB), f.eb, float64(p.Mu), int64(nT), int64(H))
}

// loss writes Σ(pred − y)² and the non-finite flags into acc and the gradient of the
// mean into dpred.
func (f *seqPass) loss(acc cuda.Buf) {
	f.dpred = f.act("dpred", f.o.nT)
	f.launch("ss4rec_loss", 1, acc.Ptr, f.dpred, f.pred, f.y, int64(f.o.nT))
}

// backward fills the gradient buffers: the dense ones overwritten (zeroed first where
// kernels accumulate), the tables' rows accumulated into their zeroed rows.
func (f *seqPass) backward() {
	s, p, o := f.s, f.s.p, f.o
	rows, H, P, E, N, R, K := f.dims()
	B, T, nT := o.nb, o.T, o.nT
	w, g := s.w, s.g
	tau := f.tau
	for _, t := range s.params {
		if !t.Sparse {
			f.launch("zero_f", len(t.Value), g(t), int64(len(t.Value)))
		}
	}
	scatter := func(t *trainer.Param, src cuda.Ptr, pl planAt, cols int) {
		f.launch("scatter_add_rows", pl.n*cols, g(t), src, f.ib.At(pl.rows), f.ib.At(pl.start), f.ib.At(pl.pos), int64(pl.n), int64(cols))
	}
	// head
	du, de, dox := f.act("du", nT*H), f.act("de", nT*H), f.act("dox", nT*H)
	f.launch("ss4rec_head_bwd", nT*H, du, de, dox, f.dpred, f.u, f.e, w(p.WB), int64(nT), int64(H))
	f.gemm(dox, du, w(p.WU), nT, H, H, false, true, 1) // do = du·W_uᵀ + dpred·w_b
	f.gemm(g(p.WU), f.o2, du, H, nT, H, true, false, 0)
	f.launch("col_sum", H, g(p.BU), du, int64(nT), int64(H))
	f.gemm(g(p.WB), f.o2, f.dpred, H, nT, 1, true, false, 0)
	scatter(p.ItemEmb, de, o.tgt, H)
	scatter(p.ItemBias, f.dpred, o.tgt, 1)
	d := f.act("d0", rows*H) // the gradient of the current block's output
	f.launch("zero_f", rows*H, d, int64(rows*H))
	f.launch("scatter_add_rows", o.row.n*H, d, dox, f.ib.At(o.row.rows), f.ib.At(o.row.start), f.ib.At(o.row.pos), int64(o.row.n), int64(H))
	for l := len(p.Blocks) - 1; l >= 0; l-- {
		bp, a := p.Blocks[l], &f.blocks[l]
		if p.Mamba {
			hin := a.in
			if p.S5 {
				hin = a.h
			}
			da := f.bact(l, "da2", rows*H) // per block: it is the next block's d
			f.launch("layer_norm_bwd", rows, da, d, a.xh2, a.rs2, w(bp.LN2Gamma), int64(rows), int64(H))
			f.launch("layer_norm_bwd_params", H, g(bp.LN2Gamma), g(bp.LN2Beta), d, a.xh2, int64(rows), int64(H))
			dm := da
			if a.mask2 != 0 {
				dm = f.act("dm", rows*H)
				f.launch("hadamard", rows*H, dm, da, a.mask2, int64(rows*H))
			}
			dgt, dysc, dsz, dz := f.act("dgt", rows*E), f.act("dysc", rows*E), f.act("dsz", rows*E), f.act("dz", rows*E)
			f.gemm(dgt, dm, w(bp.WOut), rows, H, E, false, true, 0)
			f.gemm(g(bp.WOut), a.gt, dm, E, rows, H, true, false, 0)
			f.launch("hadamard", rows*E, dysc, dgt, a.sz, int64(rows*E))
			f.launch("hadamard", rows*E, dsz, dgt, a.ysc, int64(rows*E))
			f.launch("silu_grad", rows*E, dz, a.z, dsz, int64(rows*E))
			gx, gdt, gbm, gcm := f.act("gx", rows*E), f.act("gdt", rows*E), f.act("gbm", rows*N), f.act("gcm", rows*N)
			gh, gG := f.act("gh", B*E*N), f.act("gG", rows*E*N)
			f.launch("zero_f", rows*E, gx, int64(rows*E))
			f.launch("zero_f", rows*E, gdt, int64(rows*E))
			f.launch("zero_f", rows*N, gbm, int64(rows*N))
			f.launch("zero_f", rows*N, gcm, int64(rows*N))
			f.launch("mamba_bwd_scan", B*E, gx, gdt, gh, gG, a.hs, dysc, a.xs, a.dtr, a.bm, a.cm, w(bp.ALog), w(bp.DM), int64(B), int64(T), int64(E), int64(N))
			f.launch("mamba_bwd_bc", rows*N, gbm, gcm, gG, a.hs, dysc, a.xs, a.dtr, int64(B), int64(T), int64(E), int64(N))
			f.launch("mamba_bwd_a", E*N, g(bp.ALog), g(bp.DM), gG, a.hs, dysc, a.xs, a.dtr, w(bp.ALog), int64(B), int64(T), int64(E), int64(N))
			f.launch("col_sum", E, g(bp.BDt), gdt, int64(rows), int64(E))
			ddtl := f.act("ddtl", rows*R)
			f.gemm(g(bp.WDt), a.dtl, gdt, R, rows, E, true, false, 0)
			f.gemm(ddtl, gdt, w(bp.WDt), rows, E, R, false, true, 0)
			// dxs = gx + ddtl·W_x_dtᵀ + gBm·W_x_bᵀ + gCm·W_x_cᵀ (gx is the sum)
			f.gemm(gx, ddtl, w(bp.WXDt), rows, R, E, false, true, 1)
			f.gemm(gx, gbm, w(bp.WXB), rows, N, E, false, true, 1)
			f.gemm(gx, gcm, w(bp.WXC), rows, N, E, false, true, 1)
			f.gemm(g(bp.WXDt), a.xs, ddtl, E, rows, R, true, false, 0)
			f.gemm(g(bp.WXB), a.xs, gbm, E, rows, N, true, false, 0)
			f.gemm(g(bp.WXC), a.xs, gcm, E, rows, N, true, false, 0)
			dxc, dxi := f.act("dxc", rows*E), f.act("dxi", rows*E)
			f.launch("silu_grad", rows*E, dxc, a.xc, gx, int64(rows*E))
			f.launch("conv_bwd_x", rows*E, dxi, dxc, w(bp.ConvW), int64(B), int64(T), int64(E), int64(K))
			f.launch("conv_bwd_w", E*K, g(bp.ConvW), dxc, a.xi, int64(B), int64(T), int64(E), int64(K))
			f.launch("col_sum", E, g(bp.ConvB), dxc, int64(rows), int64(E))
			// dh = da (the residual) + dxi·W_in_xᵀ + dz·W_in_zᵀ
			f.gemm(da, dxi, w(bp.WInX), rows, E, H, false, true, 1)
			f.gemm(da, dz, w(bp.WInZ), rows, E, H, false, true, 1)
			f.gemm(g(bp.WInX), hin, dxi, H, rows, E, true, false, 0)
			f.gemm(g(bp.WInZ), hin, dz, H, rows, E, true, false, 0)
			d = da
		}
		if p.S5 {
			ps := bp.S5
			da := f.bact(l, "da1", rows*H)
			f.launch("layer_norm_bwd", rows, da, d, a.xh1, a.rs1, w(bp.LN1Gamma), int64(rows), int64(H))
			f.launch("layer_norm_bwd_params", H, g(bp.LN1Gamma), g(bp.LN1Beta), d, a.xh1, int64(rows), int64(H))
			dy := da
			if a.mask1 != 0 {
				dy = f.act("dy1", rows*H)
				f.launch("hadamard", rows*H, dy, da, a.mask1, int64(rows*H))
			}
			dv, part, dus := f.act("s5dv", 2*rows*P), f.act("s5part", 2*3*B*P), f.act("s5du", rows*H)
			f.launch("zero_f", rows*H, dus, int64(rows*H))
			f.launch("s5_bwd_states", B*P, dv, part, a.su, tau, a.sxs, dy, w(ps[0]), w(ps[1]), w(ps[2]), w(ps[3]), w(ps[4]), w(ps[5]), w(ps[6]), int64(B), int64(T), int64(H), int64(P))
			f.launch("s5_bwd_du", rows*H, dus, dy, dv, w(ps[3]), w(ps[4]), w(ps[7]), int64(B), int64(T), int64(H), int64(P))
			f.launch("s5_bwd_c", H*P, g(ps[5]), g(ps[6]), g(ps[7]), dy, a.sxs, a.su, int64(B), int64(T), int64(H), int64(P))
			f.launch("s5_bwd_b", P*H, g(ps[3]), g(ps[4]), dv, a.su, int64(B), int64(T), int64(H), int64(P))
			f.launch("s5_bwd_lambda", P, g(ps[0]), g(ps[1]), g(ps[2]), part, int64(B), int64(P))
			if p.InputPerTime {
				f.launch("scale_rows", rows*H, dus, dus, tau, int64(rows), int64(H))
			}
			f.launch("vec_add", rows*H, da, da, dus, int64(rows*H))
			d = da
		}
	}
	// the input gather's backward: item rows (padding skipped) after the targets', ratings
	scatter(p.ItemEmb, d, o.in, H)
	scatter(p.RateEmb, d, o.rate, H)
}
