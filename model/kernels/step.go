package kernels

// Single-position (recurrent) forms of the scans, for inference: a caller keeps a
// state per sequence, advances it one position at a time, and can clone it to try a
// position with another gap. They compute exactly what the scans compute.

// S5Step advances an S5 state x (2·P float64: real parts then imaginary parts) by
// one position with input u [H] and gap tau, and writes y [H].
func S5Step(p S5Params, x []float64, u []float32, tau float32, y []float32) {
	H, P := len(u), len(p.LogA)
	lr, li, st := s5lam(p)
	for q := range P {
		br, bi := p.BRe[q*H:q*H+H], p.BIm[q*H:q*H+H]
		var sr, si float32
		for h, uv := range u {
			sr += br[h] * uv
			si += bi[h] * uv
		}
		k := s5coef(lr[q], li[q], st[q], tau)
		r := k.lbRe*x[q] - k.lbIm*x[P+q] + k.gRe*float64(sr) - k.gIm*float64(si)
		i := k.lbRe*x[P+q] + k.lbIm*x[q] + k.gRe*float64(si) + k.gIm*float64(sr)
		x[q], x[P+q] = r, i
	}
	for h := range H {
		cr, ci := p.CRe[h*P:h*P+P], p.CIm[h*P:h*P+P]
		s := p.D[h] * u[h]
		for q := range P {
			s += cr[q]*float32(x[q]) - ci[q]*float32(x[P+q])
		}
		y[h] = s
	}
}

// MambaStep advances a selective-scan state h [E·N] by one position: x, dtRaw [E],
// bm, cm [N], a = NegExp(aLog) [E·N] (computed once per model), d [E]; it writes y [E].
func MambaStep(h, x, dtRaw, bm, cm, a, d, y []float32) {
	E, N := len(x), len(bm)
	for e := range E {
		dt := Softplus(dtRaw[e])
		dx := dt * x[e]
		s := d[e] * x[e]
		he, ae := h[e*N:e*N+N], a[e*N:e*N+N]
		for n := range N {
			v := expf(dt*ae[n])*he[n] + dx*bm[n]
			he[n] = v
			s += cm[n] * v
		}
		y[e] = s
	}
}

// S5Disc discretises one S5 layer for given gaps, for a caller that caches the
// coefficients of gaps it meets again (inference: gaps repeat across positions).
type S5Disc struct{ lr, li, st []float64 }

// NewS5Disc precomputes Λ and the step of every state of p.
func NewS5Disc(p S5Params) S5Disc {
	lr, li, st := s5lam(p)
	return S5Disc{lr: lr, li: li, st: st}
}

// Coefs writes, for gap tau, the coefficients of every state q into out[4q:4q+4]:
// Re Λ̄, Im Λ̄, Re g, Im g, with x_t = Λ̄·x_{t−1} + g·(B u_t). They are the values
// S5Forward and S5Step use, bit for bit.
func (d S5Disc) Coefs(tau float32, out []float64) {
	for q := range d.lr {
		k := s5coef(d.lr[q], d.li[q], d.st[q], tau)
		out[4*q], out[4*q+1], out[4*q+2], out[4*q+3] = k.lbRe, k.lbIm, k.gRe, k.gIm
	}
}

// Expf is the exp the selective scan uses (see expf), for inference code that runs
// the scan's arithmetic itself.
func Expf(x float32) float32 { return expf(x) }
