package accel

import (
	"context"
	"fmt"

	"github.com/recpipe/recpipe/model/kernels/cuda"
	"github.com/recpipe/recpipe/model/ncf"
	"github.com/recpipe/recpipe/model/trainer"
)

// ncfStep is NeuMF's training step resident on the device: the parameters, Adam's
// moments, the training ratings and every activation stay there; a step copies the
// batch's indices up (one transfer) and its scalars down (one transfer).
type ncfStep struct {
	*resident
	p      ncf.Parts
	users  map[*trainer.Param]bool // the tables indexed by user rows (else item rows)
	widths []int                   // the tower's widths
	idx    []int32                 // host staging of the batch's indices
}

func newNCFStep(dv *cuda.Device, m *ncf.NCF, params []*trainer.Param, adam *trainer.Adam, tc trainer.TrainConfig) (*ncfStep, error) {
	p := m.Parts()
	res, err := newResident(dv, "ncf", params, adam, tc)
	if err != nil {
		return nil, err
	}
	s := &ncfStep{resident: res, p: p,
		users: map[*trainer.Param]bool{p.UserBias: true, p.UserGMF: true, p.UserMLP: true}}
	s.widths = []int{p.W1User.Shape[1]}
	for l := 1; 2*l < len(p.Tower); l++ {
		s.widths = append(s.widths, p.Tower[2*l-1].Shape[1])
	}
	err = dv.Run("attach ncf", func(q *cuda.Queue) error {
		r, err := q.Alloc("ncf.ratings", len(p.Ratings))
		if err != nil {
			return err
		}
		return cuda.Put(q, r, p.Ratings)
	})
	return s, err
}

// batchIdx packs the batch's indices: examples, user rows, item rows, then the user
// and item RowPlans; it returns the offsets of each part.
type batchIdx struct{ ex, u, i, uRows, uStart, uPos, iRows, iStart, iPos, nu, ni int }

func (s *ncfStep) pack(ex []int) batchIdx {
	B := len(ex)
	s.idx = s.idx[:0]
	us, is := make([]int32, B), make([]int32, B)
	for k, e := range ex {
		s.idx = append(s.idx, int32(e))
		us[k], is[k] = s.p.Users[e], s.p.Items[e]
	}
	var o batchIdx
	o.u = len(s.idx)
	s.idx = append(s.idx, us...)
	o.i = len(s.idx)
	s.idx = append(s.idx, is...)
	put := func(pl cuda.RowPlan, rows, start, pos *int) {
		*rows = len(s.idx)
		s.idx = append(s.idx, pl.Rows...)
		*start = len(s.idx)
		s.idx = append(s.idx, pl.Start...)
		*pos = len(s.idx)
		s.idx = append(s.idx, pl.Pos...)
	}
	up, ip := cuda.NewRowPlan(us), cuda.NewRowPlan(is)
	put(up, &o.uRows, &o.uStart, &o.uPos)
	put(ip, &o.iRows, &o.iStart, &o.iPos)
	o.nu, o.ni = len(up.Rows), len(ip.Rows)
	return o
}

// Step implements trainer.DeviceStepper.
func (s *ncfStep) Step(ctx context.Context, b trainer.Batch, lr, clip float64) (trainer.DeviceStep, error) {
	if err := ctx.Err(); err != nil {
		return trainer.DeviceStep{}, err
	}
	B := len(b.Examples)
	o := s.pack(b.Examples)
	s.adam.Step++
	err := s.step("ncf", s.idx, func(r *run, ib, acc cuda.Buf) {
		r.forwardBackward(s, ib, acc, o, B)
		r.update(s, ib, acc, o, clip, lr)
	})
	if err != nil {
		return trainer.DeviceStep{}, err
	}
	return stepResult(s.scal, s.scal[accLoss]*float64(B), B), nil
}

// forwardBackward is NeuMF's forward, the loss and the backward into the gradient
// buffers (dense ones overwritten, tables accumulated into their zeroed rows).
func (r *run) forwardBackward(s *ncfStep, ib, acc cuda.Buf, o batchIdx, B int) {
	p := s.p
	G, M := p.UserGMF.Cols(), p.UserMLP.Cols()
	ex, us, is := ib.At(o.ex), ib.At(o.u), ib.At(o.i)
	w, g := s.w, s.g
	gather := func(name string, t *trainer.Param, idx cuda.Ptr, cols int) cuda.Ptr {
		out := r.act(name, B*cols)
		r.launch("gather_rows", B*cols, out, w(t), idx, int64(B), int64(cols))
		return out
	}
	bu, bi := gather("bu", p.UserBias, us, 1), gather("bi", p.ItemBias, is, 1)
	pu, qi := gather("pu", p.UserGMF, us, G), gather("qi", p.ItemGMF, is, G)
	mu, mi := gather("mu", p.UserMLP, us, M), gather("mi", p.ItemMLP, is, M)
	gmf := r.act("gmf", B*G)
	r.launch("hadamard", B*G, gmf, pu, qi, int64(B*G))
	L := len(s.widths)
	h := make([]cuda.Ptr, L)
	h[0] = r.act("h0", B*s.widths[0])
	r.gemm(h[0], mu, w(p.W1User), B, M, s.widths[0], false, false, 0)
	r.gemm(h[0], mi, w(p.W1Item), B, M, s.widths[0], false, false, 1)
	r.launch("bias_relu", B*s.widths[0], h[0], w(p.Tower[0]), int64(B), int64(s.widths[0]))
	for l := 1; l < L; l++ {
		h[l] = r.act(fmt.Sprint("h", l), B*s.widths[l])
		r.gemm(h[l], h[l-1], w(p.Tower[2*l-1]), B, s.widths[l-1], s.widths[l], false, false, 0)
		r.launch("bias_relu", B*s.widths[l], h[l], w(p.Tower[2*l]), int64(B), int64(s.widths[l]))
	}
	TL := s.widths[L-1]
	gv, hv, diff, dout := r.act("gv", B), r.act("hv", B), r.act("diff", B), r.act("dout", B)
	r.gemm(gv, gmf, w(p.OutGMF), B, G, 1, false, false, 0)
	r.gemm(hv, h[L-1], w(p.OutMLP), B, TL, 1, false, false, 0)
	r.launch("ncf_head", B, diff, gv, hv, bu, bi, w(p.Bias), s.ratingsPtr(r), ex, int64(B))
	r.launch("mse_loss", 1, acc.Ptr, diff, int64(B))
	r.launch("mse_grad", B, dout, diff, int64(B))

	// backward
	r.launch("col_sum", 1, g(p.Bias), dout, int64(B), int64(1))
	scatter := func(t *trainer.Param, src cuda.Ptr, cols int) {
		rows, start, pos, n := ib.At(o.iRows), ib.At(o.iStart), ib.At(o.iPos), o.ni
		if s.users[t] {
			rows, start, pos, n = ib.At(o.uRows), ib.At(o.uStart), ib.At(o.uPos), o.nu
		}
		r.launch("scatter_add_rows", n*cols, g(t), src, rows, start, pos, int64(n), int64(cols))
	}
	scatter(p.UserBias, dout, 1)
	scatter(p.ItemBias, dout, 1)
	dgmf := r.act("dgmf", B*G)
	r.gemm(g(p.OutGMF), gmf, dout, G, B, 1, true, false, 0)
	r.gemm(dgmf, dout, w(p.OutGMF), B, 1, G, false, false, 0)
	maxW := 0
	for _, x := range s.widths {
		maxW = max(maxW, x)
	}
	dh, dprev := r.act("dh0", B*maxW), r.act("dh1", B*maxW)
	r.gemm(g(p.OutMLP), h[L-1], dout, TL, B, 1, true, false, 0)
	r.gemm(dh, dout, w(p.OutMLP), B, 1, TL, false, false, 0)
	for l := L - 1; l >= 1; l-- {
		wl, bl := p.Tower[2*l-1], p.Tower[2*l]
		r.launch("relu_grad", B*s.widths[l], dh, h[l], int64(B*s.widths[l]))
		r.launch("col_sum", s.widths[l], g(bl), dh, int64(B), int64(s.widths[l]))
		r.gemm(g(wl), h[l-1], dh, s.widths[l-1], B, s.widths[l], true, false, 0)
		r.gemm(dprev, dh, w(wl), B, s.widths[l], s.widths[l-1], false, true, 0)
		dh, dprev = dprev, dh
	}
	T0 := s.widths[0]
	r.launch("relu_grad", B*T0, dh, h[0], int64(B*T0))
	r.launch("col_sum", T0, g(p.Tower[0]), dh, int64(B), int64(T0))
	dmu, dmi := r.act("dmu", B*M), r.act("dmi", B*M)
	r.gemm(g(p.W1User), mu, dh, M, B, T0, true, false, 0)
	r.gemm(g(p.W1Item), mi, dh, M, B, T0, true, false, 0)
	r.gemm(dmu, dh, w(p.W1User), B, T0, M, false, true, 0)
	r.gemm(dmi, dh, w(p.W1Item), B, T0, M, false, true, 0)
	dpu, dqi := r.act("dpu", B*G), r.act("dqi", B*G)
	r.launch("hadamard", B*G, dpu, dgmf, qi, int64(B*G))
	r.launch("hadamard", B*G, dqi, dgmf, pu, int64(B*G))
	scatter(p.UserGMF, dpu, G)
	scatter(p.ItemGMF, dqi, G)
	scatter(p.UserMLP, dmu, M)
	scatter(p.ItemMLP, dmi, M)
}

func (s *ncfStep) ratingsPtr(r *run) cuda.Ptr {
	if r.err != nil {
		return 0
	}
	b, err := r.q.Alloc("ncf.ratings", len(s.p.Ratings))
	r.err = err
	return b.Ptr
}

// update is the trainer's step after the backward (updateParams), the tables'
// touched rows being the batch's user or item rows.
func (r *run) update(s *ncfStep, ib, acc cuda.Buf, o batchIdx, clip, lr float64) {
	r.updateParams(s.resident, acc, func(t *trainer.Param) (cuda.Ptr, int) {
		if s.users[t] {
			return ib.At(o.uRows), o.nu
		}
		return ib.At(o.iRows), o.ni
	}, clip, lr)
}
