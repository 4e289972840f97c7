package ss4rec

import (
	"slices"

	"github.com/recpipe/recpipe/model/kernels"
)

// score scores the queries of one window into out. It computes what the batched
// training forward computes for the window's positions (same operations in the same
// order, so the same bits), but keeps only what a query reads: the last block's
// output at the positions of direct queries, and the layer states after the
// positions where a recurrent step starts.
func (w *worker) score(pw predWindow, out []float32) {
	n := w.e.n
	T := pw.end - pw.s
	// Resume a pass carried from an earlier call when no query reads a row it
	// covered; rows are then counted from base, the first position computed.
	minRow := T
	for _, q := range pw.qs {
		r := q.p - pw.s
		if !direct(pw.seq, q) {
			r--
		}
		minRow = min(minRow, r)
	}
	w.from, w.save = nil, nil
	if cc := w.e.carries; cc != nil && T > 0 {
		w.from = cc.lookup(pw, minRow)
		if pw.last && T >= convK-1 {
			w.save = n.newCarry(pw)
		}
	}
	base := pw.s
	if w.from != nil {
		base += w.from.n()
	}
	T = pw.end - base
	w.need = slices.Grow(w.need[:0], T)[:T]
	clear(w.need)
	w.snapRows = w.snapRows[:0]
	for _, q := range pw.qs {
		r := q.p - base
		if direct(pw.seq, q) {
			w.need[r] = true
		} else if r-1 >= 0 && T > 0 && (len(w.snapRows) == 0 || w.snapRows[len(w.snapRows)-1] != int32(r-1)) {
			w.snapRows = append(w.snapRows, int32(r-1))
		}
	}
	for len(w.snaps) < len(w.snapRows) {
		w.snaps = append(w.snaps, n.newState())
	}
	var final func(r int) []float32
	if T > 0 {
		final = w.forward(pw, base, T)
	}
	if w.save != nil {
		w.e.carries.store(w.save)
	}
	lastP, lastT := -1, int64(-1)
	var o []float32
	for _, q := range pw.qs {
		if direct(pw.seq, q) {
			out[q.idx] = clip(n.head(final(q.p-base), w.u, q.item))
			continue
		}
		if q.p != lastP || q.t != lastT {
			w.loadState(q.p - base - 1)
			it := pw.seq[q.p]
			o = n.step(w.st, w.sc, w.e.aNeg, w.e.m.vocab.row(it.Item), rateIndex(it.Rating), n.cfg.gap(q.t-it.Time))
			lastP, lastT = q.p, q.t
		}
		out[q.idx] = clip(n.head(o, w.u, q.item))
	}
}

// loadState puts into w.st the layer states after window row r (r < 0: zero state).
func (w *worker) loadState(r int) {
	if r < 0 {
		w.st.reset()
		return
	}
	k, _ := slices.BinarySearch(w.snapRows, int32(r))
	w.st.copyFrom(w.snaps[k])
}

// snapIndex returns the snapshot index of row t, or −1.
func (w *worker) snapIndex(t int) int {
	if k, ok := slices.BinarySearch(w.snapRows, int32(t)); ok {
		return k
	}
	return -1
}

// forward runs the T positions of pw from base through the blocks (from w.from's
// states when resuming, else from zero), leaves the states after the last one in
// w.save when set, and returns the reader of the last block's output at a needed row.
func (w *worker) forward(pw predWindow, base, T int) func(r int) []float32 {
	n := w.e.n
	cfg := n.cfg
	H, E, N, R := cfg.Dim, cfg.e(), cfg.MambaN, cfg.dtRank()
	m := w.e.m

	// Inputs: embeddings and gaps (each position's gap to the next interaction).
	w.x, w.tau = grow(w.x, T*H), grow(w.tau, T)
	w.slots = slices.Grow(w.slots[:0], T)[:T]
	for t := range T {
		it := pw.seq[base+t]
		item, rate := m.vocab.row(it.Item), rateIndex(it.Rating)
		xr := w.x[t*H : t*H+H]
		copy(xr, n.itemEmb.Value[int(item)*H:int(item)*H+H])
		for j, v := range n.rateEmb.Value[int(rate)*H : int(rate)*H+H] {
			xr[j] += v
		}
		w.tau[t] = cfg.gap(pw.seq[base+t+1].Time - it.Time)
		if !cfg.MambaOnly {
			w.slots[t] = w.coefSlot(w.tau[t])
		}
	}
	w.needRows = w.needRows[:0]
	for t, ok := range w.need[:T] {
		if ok {
			w.needRows = append(w.needRows, int32(t))
		}
	}
	nNeed := len(w.needRows)

	in := w.x
	w.h, w.out = grow(w.h, T*H), grow(w.out, T*H)
	hb, ob := w.h, w.out
	var final func(r int) []float32
	for l := range n.blocks {
		blk := &n.blocks[l]
		last := l == len(n.blocks)-1
		hin := in
		if !cfg.MambaOnly {
			w.s5(l, blk, in, hb, T)
			hin = hb
			if last && cfg.S5Only {
				outH := hb
				final = func(r int) []float32 { return outH[r*H : r*H+H] }
			}
		}
		if cfg.S5Only {
			in, hb = hb, in
			continue
		}
		// xi with the K−1 inputs before base ahead of it (carried, or absent at a
		// window start: the convolution then skips them).
		K1 := convK - 1
		w.xiAll, w.xc, w.xs = grow(w.xiAll, (K1+T)*E), grow(w.xc, T*E), grow(w.xs, T*E)
		w.xi = w.xiAll[K1*E:]
		if w.from != nil {
			copy(w.xiAll, w.from.conv[l])
		}
		matmulWide(w.xi, hin, blk.winX.Value, T, H, E)
		wt := w.e.convT[l]
		for t := range T {
			xc := w.xc[t*E:][:E]
			copy(xc, blk.convB.Value)
			for k := range convK {
				src := t - convK + 1 + k
				if src < 0 && w.from == nil {
					continue
				}
				xr, wk := w.xiAll[(K1+src)*E:][:E], wt[k*E:][:E]
				for c, v := range xr {
					xc[c] += wk[c] * v
				}
			}
		}
		siluRow(w.xs[:T*E], w.xc[:T*E])
		w.dtl, w.dtr = grow(w.dtl, T*R), grow(w.dtr, T*E)
		w.bm, w.cm = grow(w.bm, T*N), grow(w.cm, T*N)
		// The three projections of xs as one product with [wxdt | wxb | wxc | 0]
		// (each column is summed alone, so the padding changes no bit).
		W := w.e.wxW
		w.xp = grow(w.xp, T*W)
		matmulWide(w.xp, w.xs, w.e.wx[l], T, E, W)
		for t := range T {
			xp := w.xp[t*W : t*W+R+2*N]
			copy(w.dtl[t*R:t*R+R], xp[:R])
			copy(w.bm[t*N:t*N+N], xp[R:R+N])
			copy(w.cm[t*N:t*N+N], xp[R+N:])
		}
		matmulWide(w.dtr, w.dtl, blk.wdt.Value, T, R, E)
		addBias(w.dtr, blk.bdt.Value)
		w.snapConv(l, T)
		if w.save != nil {
			copy(w.save.conv[l], w.xiAll[T*E:(K1+T)*E])
		}
		w.ysc = grow(w.ysc, T*E)
		w.scan(l, blk, T, last)

		rows := T
		src := hin
		if last {
			// Only the rows direct queries read go through the gate, the output
			// projection and the norm.
			rows = nNeed
			w.hN = grow(w.hN, nNeed*H)
			for k, r := range w.needRows {
				copy(w.hN[k*H:k*H+H], hin[int(r)*H:int(r)*H+H])
				copy(w.ysc[k*E:k*E+E], w.ysc[int(r)*E:int(r)*E+E])
			}
			src = w.hN
		}
		w.z, w.gt, w.m = grow(w.z, rows*E), grow(w.gt, rows*E), grow(w.m, rows*H)
		matmulWide(w.z, src, blk.winZ.Value, rows, H, E)
		siluRow(w.gt[:rows*E], w.z[:rows*E])
		for i, v := range w.ysc[:rows*E] {
			w.gt[i] = v * w.gt[i]
		}
		matmulWide(w.m, w.gt, blk.wout.Value, rows, E, H)
		for i, v := range src[:rows*H] {
			w.m[i] = v + w.m[i]
		}
		lnRows(ob, w.m, blk.ln2g.Value, blk.ln2b.Value, rows, H)
		if last {
			outN := ob
			final = func(r int) []float32 {
				k, _ := slices.BinarySearch(w.needRows, int32(r))
				return outN[k*H : k*H+H]
			}
		}
		in, ob = ob, in
	}
	return final
}

// s5 runs block l's S5 layer and first norm over the window: hb = LN(x + S5(x, τ)).
func (w *worker) s5(l int, blk *block, x, hb []float32, T int) {
	cfg := w.e.n.cfg
	H, P := cfg.Dim, cfg.S5States
	p := blk.s5W
	// The state recurrence first (float64, in order), then the outputs of all
	// positions at once.
	w.bu, w.xs5, w.y = grow(w.bu, T*2*P), grow(w.xs5, T*2*P), grow(w.y, T*H)
	u := x
	if sc := cfg.s5InScale(); sc != nil {
		w.s5u = scaleRows(w.s5u, x, w.tau[:T], H, sc)
		u = w.s5u
	}
	// B·u at every position at once: bu[t] = [Re Bu | Im Bu], summed over h in order.
	matmulWide(w.bu, u, w.e.s5B[l], T, H, 2*P)
	w.sr, w.si = growF64(w.sr, P), growF64(w.si, P)
	xr, xim := w.sr, w.si
	clear(xr)
	clear(xim)
	if w.from != nil {
		copy(xr, w.from.s5[l][:P])
		copy(xim, w.from.s5[l][P:])
	}
	for t := range T {
		c := w.coefs(l, t)
		vr, vi := w.bu[t*2*P:t*2*P+P], w.bu[t*2*P+P:t*2*P+2*P]
		xrow := w.xs5[t*2*P : t*2*P+2*P]
		for q := range P {
			lbRe, lbIm, gRe, gIm := c[4*q], c[4*q+1], c[4*q+2], c[4*q+3]
			r := lbRe*xr[q] - lbIm*xim[q] + gRe*float64(vr[q]) - gIm*float64(vi[q])
			i := lbRe*xim[q] + lbIm*xr[q] + gRe*float64(vi[q]) + gIm*float64(vr[q])
			xr[q], xim[q] = r, i
			xrow[q], xrow[P+q] = float32(r), float32(i)
		}
		if k := w.snapIndex(t); k >= 0 {
			for i, v := range xrow {
				w.snaps[k].s5[l][i] = float64(v)
			}
		}
	}
	if w.save != nil {
		copy(w.save.s5[l][:P], xr)
		copy(w.save.s5[l][P:], xim)
	}
	kernels.S5Out(w.y, u, p.D, w.e.cT[l], w.e.cT[l][P*H:], w.xs5, T, H, P)
	for t := range T {
		ut, yt := x[t*H:t*H+H], w.y[t*H:t*H+H]
		for j := range H {
			yt[j] += ut[j]
		}
	}
	lnRows(hb, w.y, blk.ln1g.Value, blk.ln1b.Value, T, H)
}

// snapConv stores block l's convolution inputs of the rows before each snapshot.
func (w *worker) snapConv(l, T int) {
	E := w.e.n.cfg.e()
	for k, r := range w.snapRows {
		cs := w.snaps[k].conv[l]
		clear(cs)
		for j := range convK - 1 {
			src := int(r) - (convK - 2) + j
			if src >= 0 || w.from != nil {
				K1 := convK - 1
				copy(cs[j*E:(j+1)*E], w.xiAll[(K1+src)*E:(K1+src+1)*E])
			}
		}
	}
}

// scan runs block l's selective scan over the window into w.ysc (in the last block
// only at needed rows) and snapshots its state.
func (w *worker) scan(l int, blk *block, T int, last bool) {
	cfg := w.e.n.cfg
	E, N := cfg.e(), cfg.MambaN
	a, d := w.e.aNeg[l], blk.dm.Value
	amin, amax := w.e.aMin[l], w.e.aMax[l]
	w.st.reset()
	hst := w.st.h[l] // scratch state (w.st is free during the forward)
	if w.from != nil {
		copy(hst, w.from.h[l])
	}
	if w.save != nil {
		defer copy(w.save.h[l], hst)
	}
	// Δ of every position at once (kernels.SoftplusRow: Softplus's bits, eight
	// lanes at a time).
	w.dtv, w.dxv = grow(w.dtv, T*E), grow(w.dxv, E)
	kernels.SoftplusRow(w.dtv, w.dtr[:T*E])
	for t := range T {
		bm, cm := w.bm[t*N:t*N+N], w.cm[t*N:t*N+N]
		out := !last || w.need[t]
		dtv, xst := w.dtv[t*E:t*E+E], w.xs[t*E:t*E+E]
		// exp(Δ·A) of every channel and state at once (four lanes at a time), when
		// every product is in expf's fast range; rounding is monotone, so checking
		// each channel's smallest and largest A covers its states.
		fast := true
		for c, dt := range dtv {
			if !(dt*amin[c] >= -87.3 && dt*amax[c] <= 88) {
				fast = false
			}
			w.dxv[c] = dt * xst[c]
		}
		if fast {
			scanRows(hst, a, dtv, w.dxv, bm, N)
		} else {
			scanRowsGo(hst, a, dtv, w.dxv, bm, N)
		}
		ys := w.ysc[t*E : t*E+E]
		if out {
			kernels.MambaOut(ys, d, xst, hst, cm)
		} else {
			for c, x := range xst {
				ys[c] = d[c] * x
			}
		}
		if k := w.snapIndex(t); k >= 0 {
			copy(w.snaps[k].h[l], hst)
		}
	}
}
