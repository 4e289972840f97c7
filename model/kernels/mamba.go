package kernels

// Softplus is log(1+eˣ) = max(x,0) + log1p(e^−|x|), without overflow and to float32
// precision.
func Softplus(x float32) float32 {
	return max(x, 0) + log1pf(expf(-abs32(x)))
}

// SoftplusRow writes y[i] = Softplus(x[i]) for every i (len(y) ≥ len(x)), bit for
// bit, eight lanes at a time where the CPU has AVX2.
func SoftplusRow(y, x []float32) { softplusRow(y[:len(x)], x) }

// MambaScanRows is one position of the selective scan for rows i < len(dt):
// next[i·n+k] = expf(dt[i]·a[i·n+k])·prev[i·n+k] + dx[i]·bm[k] (next may be prev),
// bit for bit, eight states at a time where the CPU has AVX2 and n is a multiple of
// 8. The caller keeps every dt[i]·a[i·n+k] at most 88 (expf's fast range above).
func MambaScanRows(next, prev, a, dt, dx, bm []float32, n int) {
	mambaFwdPos(next, prev, a, dt, dx, bm, n)
}

// Sigmoid is 1/(1+e⁻ˣ), the derivative of Softplus, in the form that shares
// Softplus's e = e^−|x|: 1/(1+e) for x ≥ 0 and e/(1+e) below (no overflow either way).
func Sigmoid(x float32) float32 {
	e := expf(-abs32(x))
	num := float32(1)
	if x < 0 {
		num = e
	}
	return num / (1 + e)
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

// SoftplusSigmoidRow writes y[i] = Softplus(x[i]) and s[i] = Sigmoid(x[i]) for every
// i (len(y), len(s) ≥ len(x)) from one expf each, bit for bit the scalar results.
func SoftplusSigmoidRow(y, s, x []float32) { softplusSigmoidRow(y[:len(x)], s[:len(x)], x) }

// NegExp returns A = −exp(ALog) (Re A < 0 by construction).
func NegExp(aLog []float32) []float32 {
	a := make([]float32, len(aLog))
	for i, v := range aLog {
		a[i] = -expf(v)
	}
	return a
}

// MambaForward runs the selective scan; see Backend. Each position's state update
// runs over all E·N states at once (mambaFwdPos); the output sums over n in order.
func (c CPU) MambaForward(d MambaDims, in MambaIn, y, hs []float32) {
	E, N, T := d.E, d.N, d.T
	A := NegExp(in.ALog)
	parallel(d.B, c.workers(d.B), func(_, lo, hi int) {
		zero := make([]float32, E*N)
		dt, dx := make([]float32, E), make([]float32, E)
		for b := lo; b < hi; b++ {
			prev := zero
			for t := range T {
				bt := b*T + t
				bm, cm := in.Bm[bt*N:bt*N+N], in.Cm[bt*N:bt*N+N]
				xs := in.X[bt*E : bt*E+E]
				softplusRow(dt, in.DtRaw[bt*E:bt*E+E])
				for e, v := range dt {
					dx[e] = v * xs[e]
				}
				hrow := hs[bt*E*N : bt*E*N+E*N]
				mambaFwdPos(hrow, prev, A, dt, dx, bm, N)
				MambaOut(y[bt*E:bt*E+E], in.D, xs, hrow, cm)
				prev = hrow
			}
		}
	})
}

// MambaOut writes one position's outputs of the scan, y[e] = d[e]·x[e] + Σₙ cm[n]·
// h[e·N+n] with N = len(cm), summed over n in order. Four channels go together (four
// independent sums, each in its own order, so the same bits as one channel at a
// time) for the CPU to overlap their additions. Training (MambaForward) and the
// inference engine both use it.
func MambaOut(y, d, x, h, cm []float32) {
	N := len(cm)
	e := 0
	for ; e+4 <= len(y); e += 4 {
		h0, h1, h2, h3 := h[e*N:e*N+N], h[(e+1)*N:(e+1)*N+N], h[(e+2)*N:(e+2)*N+N], h[(e+3)*N:(e+3)*N+N]
		s0, s1, s2, s3 := d[e]*x[e], d[e+1]*x[e+1], d[e+2]*x[e+2], d[e+3]*x[e+3]
		for n, c := range cm {
			s0 += c * h0[n]
			s1 += c * h1[n]
			s2 += c * h2[n]
			s3 += c * h3[n]
		}
		y[e], y[e+1], y[e+2], y[e+3] = s0, s1, s2, s3
	}
	for ; e < len(y); e++ {
		s := d[e] * x[e]
		for n, v := range h[e*N : e*N+N] {
			s += cm[n] * v
		}
		y[e] = s
	}
}

// mambaFwdPosGo is mambaFwdPos in plain Go.
func mambaFwdPosGo(next, prev, a, dt, dx, bm []float32, n int) {
	for i, d := range dt {
		nx, pv, ai := next[i*n:i*n+n], prev[i*n:i*n+n], a[i*n:i*n+n]
		for k, av := range ai {
			nx[k] = expf(d*av)*pv[k] + dx[i]*bm[k]
		}
	}
}

// mambaBwdArgs are the operands of one position of the backward: per channel i the
// step dt, the output gradient dy and dt·x (dtx); the state adjoint gh and the
// states he (this position) and prev (the one before; zeros at the first) [E·n];
// the position's B and C rows cm, bm [n]; accumulators da [E·n], dcm, dbm [n]; and
// the per-channel sums s1, s2 it writes.
type mambaBwdArgs struct {
	gh, he, prev, a, da []float32
	cm, bm, dcm, dbm    []float32
	dt, dy, dtx, s1, s2 []float32
	sig                 []float32 // σ(dtRaw), the step's derivative (not read by the kernel)
}

// mambaBwdPosGo: with G = gh + dy[i]·cm and ex = expf(dt[i]·a), per channel i:
// dcm += dy[i]·he; da += G·prev·ex·dt[i]; dbm += G·dtx[i]; gh = G·ex;
// s1[i] = Σ G·prev·ex·a (the step's gradient through the decay) and s2[i] = Σ G·bm.
func mambaBwdPosGo(p *mambaBwdArgs, n int) {
	for i, dt := range p.dt {
		dyv, dtx := p.dy[i], p.dtx[i]
		gh, he, prev := p.gh[i*n:i*n+n], p.he[i*n:i*n+n], p.prev[i*n:i*n+n]
		a, da := p.a[i*n:i*n+n], p.da[i*n:i*n+n]
		var s1, s2 float32
		for k := range n {
			G := gh[k] + dyv*p.cm[k]
			p.dcm[k] += dyv * he[k]
			ex := expf(dt * a[k])
			dav := G * prev[k] * ex
			s1 += dav * a[k]
			da[k] += dav * dt
			s2 += G * p.bm[k]
			p.dbm[k] += G * dtx
			gh[k] = G * ex
		}
		p.s1[i], p.s2[i] = s1, s2
	}
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
		zero := make([]float32, E*N)
		p := &mambaBwdArgs{a: A, da: da, gh: make([]float32, E*N),
			dt: make([]float32, E), dtx: make([]float32, E), s1: make([]float32, E), s2: make([]float32, E),
			sig: make([]float32, E)}
		for b := lo; b < hi; b++ {
			clear(p.gh)
			for t := T - 1; t >= 0; t-- {
				bt := b*T + t
				xs, raws := in.X[bt*E:bt*E+E], in.DtRaw[bt*E:bt*E+E]
				softplusSigmoidRow(p.dt, p.sig, raws)
				for e, v := range p.dt {
					p.dtx[e] = v * xs[e]
				}
				p.dy = dy[bt*E : bt*E+E]
				p.cm, p.bm = in.Cm[bt*N:bt*N+N], in.Bm[bt*N:bt*N+N]
				p.dcm, p.dbm = g.Cm[bt*N:bt*N+N], g.Bm[bt*N:bt*N+N]
				p.he = hs[bt*E*N : bt*E*N+E*N]
				p.prev = zero
				if t > 0 {
					p.prev = hs[(bt-1)*E*N : bt*E*N]
				}
				mambaBwdPos(p, N)
				gx, gdt := g.X[bt*E:bt*E+E], g.DtRaw[bt*E:bt*E+E]
				for e, dyv := range p.dy {
					xv := xs[e]
					ddk[e] += dyv * xv
					gx[e] += dyv*in.D[e] + p.dt[e]*p.s2[e]
					gdt[e] += (p.s1[e] + xv*p.s2[e]) * p.sig[e]
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
