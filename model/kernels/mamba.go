package kernels

// Softplus is log(1+eˣ) = max(x,0) + log1p(e^−|x|), without overflow and to float32
// precision.
func Softplus(x float32) float32 {
	ax := x
	if ax < 0 {
		ax = -ax
	}
	return max(x, 0) + log1pf(expf(-ax))
}

// Sigmoid is 1/(1+e⁻ˣ), the derivative of Softplus.
func Sigmoid(x float32) float32 { return 1 / (1 + expf(-x)) }

// NegExp returns A = −exp(ALog) (Re A < 0 by construction).
func NegExp(aLog []float32) []float32 {
	a := make([]float32, len(aLog))
	for i, v := range aLog {
		a[i] = -expf(v)
	}
	return a
}

// MambaForward runs the selective scan; see Backend.
func (c CPU) MambaForward(d MambaDims, in MambaIn, y, hs []float32) {
	E, N, T := d.E, d.N, d.T
	A := NegExp(in.ALog)
	parallel(d.B, c.workers(d.B), func(_, lo, hi int) {
		h := make([]float32, E*N)
		for b := lo; b < hi; b++ {
			clear(h)
			for t := range T {
				bt := b*T + t
				bm, cm := in.Bm[bt*N:bt*N+N], in.Cm[bt*N:bt*N+N]
				hrow := hs[bt*E*N : bt*E*N+E*N]
				for e := range E {
					xv := in.X[bt*E+e]
					dt := Softplus(in.DtRaw[bt*E+e])
					dx := dt * xv
					he, ae, hse := h[e*N:e*N+N], A[e*N:e*N+N], hrow[e*N:e*N+N]
					s := in.D[e] * xv
					for n := range N {
						v := expf(dt*ae[n])*he[n] + dx*bm[n]
						he[n], hse[n] = v, v
						s += cm[n] * v
					}
					y[bt*E+e] = s
				}
			}
		}
	})
}

// MambaBackward is the hand-written backward of MambaForward; see Backend.
func (c CPU) MambaBackward(d MambaDims, in MambaIn, hs, dy []float32, g MambaIn) {
	E, N, T := d.E, d.N, d.T
	A := NegExp(in.ALog)
	w := c.workers(d.B)
	dA, dD := make([][]float32, w), make([][]float32, w)
	parallel(d.B, w, func(k, lo, hi int) {
		da, ddk := make([]float32, E*N), make([]float32, E)
		dA[k], dD[k] = da, ddk
		gh := make([]float32, E*N)
		for b := lo; b < hi; b++ {
			clear(gh)
			for t := T - 1; t >= 0; t-- {
				bt := b*T + t
				bm, cm := in.Bm[bt*N:bt*N+N], in.Cm[bt*N:bt*N+N]
				dbm, dcm := g.Bm[bt*N:bt*N+N], g.Cm[bt*N:bt*N+N]
				hrow := hs[bt*E*N : bt*E*N+E*N]
				var prow []float32
				if t > 0 {
					prow = hs[(bt-1)*E*N : bt*E*N]
				}
				for e := range E {
					dyv := dy[bt*E+e]
					xv := in.X[bt*E+e]
					raw := in.DtRaw[bt*E+e]
					dt := Softplus(raw)
					dxv := dyv * in.D[e]
					ddk[e] += dyv * xv
					var ddt float32
					ghe, ae, he, dae := gh[e*N:e*N+N], A[e*N:e*N+N], hrow[e*N:e*N+N], da[e*N:e*N+N]
					for n := range N {
						G := ghe[n] + dyv*cm[n]
						dcm[n] += dyv * he[n]
						a := expf(dt * ae[n])
						if prow != nil {
							dav := G * prow[e*N+n] * a
							ddt += dav * ae[n]
							dae[n] += dav * dt
						}
						ddt += G * bm[n] * xv
						dbm[n] += G * dt * xv
						dxv += G * dt * bm[n]
						ghe[n] = G * a
					}
					g.X[bt*E+e] += dxv
					g.DtRaw[bt*E+e] += ddt * Sigmoid(raw)
				}
			}
		}
	})
	for k := range w {
		for i, v := range dA[k] {
			g.ALog[i] += v * A[i]
		}
		addInto(g.D, dD[k])
	}
}
