package ss4rec

import "github.com/recpipe/recpipe/model/kernels"

// grads holds backward scratch buffers, reused across batches.
type grads struct {
	dx, dh, da, dm, dgt, dysc, dz, dxc, dxi, ddtl, tmp []float32
	dsc                                                []float32 // gradient of the scaled S5 input
	dO, dU, dE, dib                                    []float32
	idx                                                []int32
	mg                                                 kernels.MambaIn
}

// backward accumulates into every Param.Grad (sparse tables through AddRows) the
// gradient of a loss whose gradient with respect to each prediction is dpred,
// through the last forward pass.
func (ps *pass) backward(dpred []float32, s *grads) {
	n, cfg, b := ps.n, ps.n.cfg, ps.b
	H, E, N, R := cfg.Dim, cfg.e(), cfg.MambaN, cfg.dtRank()
	rows := b.nb * b.T
	nT := len(b.tRow)

	// head
	s.dU, s.dO = grow(s.dU, nT*H), grow(s.dO, nT*H)
	s.dE, s.dib = grow(s.dE, nT*H), grow(s.dib, nT)
	for k, it := range b.tItem {
		g := dpred[k]
		s.dib[k] = g
		e := n.itemEmb.Value[int(it)*H : int(it)*H+H]
		o, u := ps.o[k*H:k*H+H], ps.u[k*H:k*H+H]
		du, do, de := s.dU[k*H:k*H+H], s.dO[k*H:k*H+H], s.dE[k*H:k*H+H]
		for j := range H {
			de[j] = g * u[j]
			du[j] = g * e[j]
			n.wb.Grad[j] += g * o[j]
			do[j] = g * n.wb.Value[j]
		}
	}
	n.itemEmb.AddRows(b.tItem, s.dE)
	n.itemBias.AddRows(b.tItem, s.dib)
	mm(n.wu.Grad, ps.o, s.dU, H, nT, H, true, false, 1)
	biasGrad(n.bu.Grad, s.dU)
	mm(s.dO, s.dU, n.wu.Value, nT, H, H, false, true, 1)
	dx := zeroed(s.dx, rows*H)
	s.dx = dx
	for k, row := range b.tRow {
		d := dx[int(row)*H : int(row)*H+H]
		for j, v := range s.dO[k*H : k*H+H] {
			d[j] += v
		}
	}

	for l := len(n.blocks) - 1; l >= 0; l-- {
		blk, c := &n.blocks[l], &ps.blocks[l]
		// dx is the gradient w.r.t. this block's output.
		dh := dx
		if !cfg.S5Only {
			hIn := c.x
			if !cfg.MambaOnly {
				hIn = c.h
			}
			s.da = grow(s.da, rows*H)
			c.ln2.backward(s.da, dx, blk.ln2g.Value, blk.ln2g.Grad, blk.ln2b.Grad, rows)
			s.dm = grow(s.dm, rows*H)
			copy(s.dm, s.da)
			if ps.train && cfg.Dropout > 0 {
				for i := range s.dm {
					s.dm[i] *= c.drop2[i]
				}
			}
			mm(blk.wout.Grad, c.gt, s.dm, E, rows, H, true, false, 1)
			s.dgt = grow(s.dgt, rows*E)
			mm(s.dgt, s.dm, blk.wout.Value, rows, H, E, false, true, 0)
			s.dysc, s.dz = grow(s.dysc, rows*E), grow(s.dz, rows*E)
			for i, g := range s.dgt {
				z := c.z[i]
				s.dysc[i] = g * silu(z)
				s.dz[i] = g * c.ysc[i] * siluGrad(z)
			}
			md := kernels.MambaDims{B: b.nb, T: b.T, E: E, N: N}
			s.mg = kernels.MambaIn{
				X: zeroed(s.mg.X, rows*E), DtRaw: zeroed(s.mg.DtRaw, rows*E),
				Bm: zeroed(s.mg.Bm, rows*N), Cm: zeroed(s.mg.Cm, rows*N),
				ALog: blk.aLog.Grad, D: blk.dm.Grad,
			}
			ps.be.MambaBackward(md, ps.mambaIn(blk, c), c.hs, s.dysc, s.mg)
			biasGrad(blk.bdt.Grad, s.mg.DtRaw)
			mm(blk.wdt.Grad, c.dtl, s.mg.DtRaw, R, rows, E, true, false, 1)
			s.ddtl = grow(s.ddtl, rows*R)
			mm(s.ddtl, s.mg.DtRaw, blk.wdt.Value, rows, E, R, false, true, 0)
			mm(blk.wxdt.Grad, c.xs, s.ddtl, E, rows, R, true, false, 1)
			mm(blk.wxb.Grad, c.xs, s.mg.Bm, E, rows, N, true, false, 1)
			mm(blk.wxc.Grad, c.xs, s.mg.Cm, E, rows, N, true, false, 1)
			dxs := s.mg.X // += contributions through the projections
			mm(dxs, s.ddtl, blk.wxdt.Value, rows, R, E, false, true, 1)
			mm(dxs, s.mg.Bm, blk.wxb.Value, rows, N, E, false, true, 1)
			mm(dxs, s.mg.Cm, blk.wxc.Value, rows, N, E, false, true, 1)
			s.dxc = grow(s.dxc, rows*E)
			for i, g := range dxs {
				s.dxc[i] = g * siluGrad(c.xc[i])
			}
			s.dxi = zeroed(s.dxi, rows*E)
			convBackward(s.dxi, blk.convW.Grad, blk.convB.Grad, s.dxc, c.xi, blk.convW.Value, b.nb, b.T, E, convK)
			mm(blk.winX.Grad, hIn, s.dxi, H, rows, E, true, false, 1)
			mm(blk.winZ.Grad, hIn, s.dz, H, rows, E, true, false, 1)
			s.dh = grow(s.dh, rows*H)
			copy(s.dh, s.da) // residual
			mm(s.dh, s.dxi, blk.winX.Value, rows, E, H, false, true, 1)
			mm(s.dh, s.dz, blk.winZ.Value, rows, E, H, false, true, 1)
			dh = s.dh
		}
		if !cfg.MambaOnly {
			P := cfg.S5States
			s.da = grow(s.da, rows*H)
			c.ln1.backward(s.da, dh, blk.ln1g.Value, blk.ln1g.Grad, blk.ln1b.Grad, rows)
			s.tmp = grow(s.tmp, rows*H)
			copy(s.tmp, s.da)
			if ps.train && cfg.Dropout > 0 {
				for i := range s.tmp {
					s.tmp[i] *= c.drop1[i]
				}
			}
			dxNew := grow(s.dx, rows*H)
			if sc := cfg.s5InScale(); sc != nil {
				s.dsc = zeroed(s.dsc, rows*H)
				ps.be.S5Backward(kernels.S5Dims{B: b.nb, T: b.T, H: H, P: P}, blk.s5W, c.s5in, b.tau, c.s5xs, s.tmp, s.dsc, blk.s5G)
				scaleRows(dxNew, s.dsc, b.tau, H, sc)
				for i, v := range s.da {
					dxNew[i] += v // residual
				}
			} else {
				copy(dxNew, s.da) // residual
				ps.be.S5Backward(kernels.S5Dims{B: b.nb, T: b.T, H: H, P: P}, blk.s5W, c.s5in, b.tau, c.s5xs, s.tmp, dxNew, blk.s5G)
			}
			dx = dxNew
		} else {
			dx = dh
		}
		if &dx[0] != &s.dx[0] {
			copy(s.dx[:rows*H], dx)
			dx = s.dx[:rows*H]
		}
	}
	// embeddings: the gather's backward, skipping padding positions
	s.idx, s.dE = s.idx[:0], s.dE[:0]
	for i, it := range b.items {
		g := dx[i*H : i*H+H]
		if it != 0 {
			s.idx = append(s.idx, it)
			s.dE = append(s.dE, g...)
		}
		dr := n.rateEmb.Grad[int(b.rates[i])*H : int(b.rates[i])*H+H]
		for j, v := range g {
			dr[j] += v
		}
	}
	n.itemEmb.AddRows(s.idx, s.dE)
}

// zeroed is s grown to n and cleared.
func zeroed(s []float32, n int) []float32 {
	s = grow(s, n)
	clear(s)
	return s
}
