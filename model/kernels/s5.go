package kernels

import "math"

// s5Coef holds the zero-order-hold coefficients of one state at one position:
// lb = Λ̄ = exp(ΛΔ) and g = (Λ̄ − 1)/Λ, so that x_t = Λ̄ x_{t−1} + g (B u_t).
type s5Coef struct {
	delta        float64
	lbRe, lbIm   float64
	gRe, gIm     float64
	lamRe, lamIm float64
}

// s5coef computes the coefficients in float64. Δ = 0 gives Λ̄ = 1, g = 0 (the state
// is carried unchanged); Δ → ∞ gives Λ̄ → 0, g → −1/Λ; both finite since Re Λ < 0.
func s5coef(lamRe, lamIm, step float64, tau float32) s5Coef {
	d := float64(tau) * step
	zr, zi := lamRe*d, lamIm*d
	m := math.Exp(zr)
	s, c := math.Sincos(zi)
	sh := math.Sin(zi / 2)
	// Λ̄ − 1 without cancellation: expm1(zr)·cos(zi) − 2 sin²(zi/2) + i·m·sin(zi).
	nr := math.Expm1(zr)*c - 2*sh*sh
	ni := m * s
	den := lamRe*lamRe + lamIm*lamIm
	return s5Coef{
		delta: d,
		lbRe:  m * c, lbIm: m * s,
		gRe: (nr*lamRe + ni*lamIm) / den, gIm: (ni*lamRe - nr*lamIm) / den,
		lamRe: lamRe, lamIm: lamIm,
	}
}

// s5lam returns Re Λ, Im Λ and exp(log step) of every state.
func s5lam(p S5Params) (lr, li, st []float64) {
	n := len(p.LogA)
	lr, li, st = make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		lr[i] = -math.Exp(float64(p.LogA[i]))
		li[i] = float64(p.ImA[i])
		st[i] = math.Exp(float64(p.LogStep[i]))
	}
	return lr, li, st
}

// S5Forward runs the time-aware S5 scan; see Backend. The inputs' projections
// V = U·Bᵀ at every position are one product (GemmExact: summed over h in order,
// each product rounded, as the scalar loop sums them), the outputs one S5Out pass;
// only the recurrence runs per sequence, in float64.
func (c CPU) S5Forward(d S5Dims, p S5Params, u, tau, y, xs []float32) {
	c.S5ForwardKeep(d, p, u, tau, y, xs, nil)
}

// S5Coefs keeps the zero-order-hold coefficients of every position and state that
// S5ForwardKeep computed, for the S5BackwardKept of the same inputs: the backward
// then reads them instead of computing the exponentials and sines again.
type S5Coefs struct{ k []s5Coef }

// S5ForwardKeep is S5Forward that also fills keep (when not nil).
func (c CPU) S5ForwardKeep(d S5Dims, p S5Params, u, tau, y, xs []float32, keep *S5Coefs) {
	lr, li, st := s5lam(p)
	H, P, T := d.H, d.P, d.T
	n, P2 := d.B*T, 2*P
	bt := make([]float32, H*P2) // Bᵀ [H×2P]: real parts, then imaginary
	for q := range P {
		for h := range H {
			bt[h*P2+q], bt[h*P2+P+q] = p.BRe[q*H+h], p.BIm[q*H+h]
		}
	}
	v := make([]float32, n*P2)
	GemmExact(v, u, bt, n, H, P2, false, false)
	ct := make([]float32, 2*P*H) // C_reᵀ, C_imᵀ [P×H]
	for h := range H {
		for q := range P {
			ct[q*H+h], ct[P*H+q*H+h] = p.CRe[h*P+q], p.CIm[h*P+q]
		}
	}
	var ks []s5Coef
	if keep != nil {
		if cap(keep.k) < n*P {
			keep.k = make([]s5Coef, n*P)
		}
		keep.k = keep.k[:n*P]
		ks = keep.k
	}
	parallel(d.B, c.workers(d.B), func(_, lo, hi int) {
		xr, xi := make([]float64, P), make([]float64, P)
		for b := lo; b < hi; b++ {
			clear(xr)
			clear(xi)
			for t := range T {
				bt := b*T + t
				vr, vi := v[bt*P2:bt*P2+P], v[bt*P2+P:bt*P2+P2]
				xrow := xs[bt*P2 : bt*P2+P2]
				for q := range P {
					k := s5coef(lr[q], li[q], st[q], tau[bt])
					if ks != nil {
						ks[bt*P+q] = k
					}
					r := k.lbRe*xr[q] - k.lbIm*xi[q] + k.gRe*float64(vr[q]) - k.gIm*float64(vi[q])
					i := k.lbRe*xi[q] + k.lbIm*xr[q] + k.gRe*float64(vi[q]) + k.gIm*float64(vr[q])
					xr[q], xi[q] = r, i
					xrow[q], xrow[P+q] = float32(r), float32(i)
				}
			}
			S5Out(y[b*T*H:(b+1)*T*H], u[b*T*H:(b+1)*T*H], p.D, ct[:P*H], ct[P*H:], xs[b*T*P2:(b+1)*T*P2], T, H, P)
		}
	})
}

// S5Backward is the hand-written backward of S5Forward; see Backend. The gradient
// with respect to τ is not computed (gaps are data). Everything but the recurrence
// is a dense product over all B·T positions at once (Gemm): the inputs' projections
// V = U·Bᵀ, what each output feeds back into the state adjoint dY·C, the gradients of
// C, B and U; the recurrence itself runs per sequence, in float64 as the forward.
func (c CPU) S5Backward(d S5Dims, p S5Params, u, tau, xs, dy, du []float32, g S5Params) {
	c.S5BackwardKept(d, p, u, tau, xs, dy, du, g, nil)
}

// S5BackwardKept is S5Backward reading the coefficients from kept, which
// S5ForwardKeep filled for the same d, p and tau (nil or another size: computed).
func (c CPU) S5BackwardKept(d S5Dims, p S5Params, u, tau, xs, dy, du []float32, g S5Params, kept *S5Coefs) {
	lr, li, st := s5lam(p)
	H, P, T := d.H, d.P, d.T
	n, P2 := d.B*T, 2*P
	bcat := append(append(make([]float32, 0, P2*H), p.BRe...), p.BIm...) // [2P×H]
	ccat := make([]float32, H*P2)                                        // [H×2P]: C_re, −C_im
	for h := range H {
		copy(ccat[h*P2:h*P2+P], p.CRe[h*P:h*P+P])
		for q, v := range p.CIm[h*P : h*P+P] {
			ccat[h*P2+P+q] = -v
		}
	}
	v := make([]float32, n*P2) // B·u per position: real parts, then imaginary
	Gemm(v, u, bcat, n, H, P2, false, true, 0)
	inj := make([]float32, n*P2) // dy·C: the output's gradient entering the state adjoint
	Gemm(inj, dy, ccat, n, H, P2, false, false, 0)
	dc := make([]float32, H*P2)
	Gemm(dc, dy, xs, H, n, P2, true, false, 0)
	for h := range H {
		for q := range P {
			g.CRe[h*P+q] += dc[h*P2+q]
			g.CIm[h*P+q] -= dc[h*P2+P+q]
		}
	}
	for bt := range n {
		ut, dyt, dut := u[bt*H:bt*H+H], dy[bt*H:bt*H+H], du[bt*H:bt*H+H]
		for h, dv := range dyt {
			g.D[h] += dv * ut[h]
			dut[h] += p.D[h] * dv
		}
	}
	dvs := make([]float32, n*P2) // the gradient of B·u per position
	var ks []s5Coef
	if kept != nil && len(kept.k) == n*P {
		ks = kept.k
	}
	w := c.workers(d.B)
	acc := make([][3][]float64, w)
	parallel(d.B, w, func(k, lo, hi int) {
		gr, gi := make([]float64, P), make([]float64, P)
		dLogA, dImA, dStep := make([]float64, P), make([]float64, P), make([]float64, P)
		acc[k] = [3][]float64{dLogA, dImA, dStep}
		for b := lo; b < hi; b++ {
			clear(gr)
			clear(gi)
			for t := T - 1; t >= 0; t-- {
				bt := b*T + t
				in, vt, dvt := inj[bt*P2:bt*P2+P2], v[bt*P2:bt*P2+P2], dvs[bt*P2:bt*P2+P2]
				for q := range P {
					gr[q] += float64(in[q])
					gi[q] += float64(in[P+q])
					Gr, Gi := gr[q], gi[q]
					var k s5Coef
					if ks != nil {
						k = ks[bt*P+q]
					} else {
						k = s5coef(lr[q], li[q], st[q], tau[bt])
					}
					var pr, pi float64
					if t > 0 {
						prev := xs[(bt-1)*P2:]
						pr, pi = float64(prev[q]), float64(prev[P+q])
					}
					// dΛ̄ = G·conj(x_{t−1}); dg = G·conj(v); dv = conj(g)·G.
					dlr, dli := Gr*pr+Gi*pi, Gi*pr-Gr*pi
					v0, v1 := float64(vt[q]), float64(vt[P+q])
					dgr, dgi := Gr*v0+Gi*v1, Gi*v0-Gr*v1
					dvt[q] = float32(k.gRe*Gr + k.gIm*Gi)
					dvt[P+q] = float32(k.gRe*Gi - k.gIm*Gr)
					// ∂Λ̄/∂Λ = ΔΛ̄; ∂g/∂Λ = (ΔΛ̄ − g)/Λ; G_Λ = conj(∂Λ̄/∂Λ)dΛ̄ + conj(∂g/∂Λ)dg.
					ar, ai := k.delta*k.lbRe, k.delta*k.lbIm
					nr, ni := ar-k.gRe, ai-k.gIm
					den := k.lamRe*k.lamRe + k.lamIm*k.lamIm
					qr, qi := (nr*k.lamRe+ni*k.lamIm)/den, (ni*k.lamRe-nr*k.lamIm)/den
					glr := ar*dlr + ai*dli + qr*dgr + qi*dgi
					gli := ar*dli - ai*dlr + qr*dgi - qi*dgr
					dLogA[q] += glr * k.lamRe
					dImA[q] += gli
					// ∂Λ̄/∂Δ = ΛΛ̄; ∂g/∂Δ = Λ̄.
					mr := k.lamRe*k.lbRe - k.lamIm*k.lbIm
					mi := k.lamRe*k.lbIm + k.lamIm*k.lbRe
					dd := mr*dlr + mi*dli + k.lbRe*dgr + k.lbIm*dgi
					dStep[q] += dd * k.delta
					// adjoint of x_{t−1}
					gr[q], gi[q] = k.lbRe*Gr+k.lbIm*Gi, k.lbRe*Gi-k.lbIm*Gr
				}
			}
		}
	})
	for q := range P {
		var a, b, s float64
		for _, r := range acc {
			a, b, s = a+r[0][q], b+r[1][q], s+r[2][q]
		}
		g.LogA[q] += float32(a)
		g.ImA[q] += float32(b)
		g.LogStep[q] += float32(s)
	}
	db := make([]float32, P2*H)
	Gemm(db, dvs, u, P2, n, H, true, false, 0)
	addInto(g.BRe, db[:P*H])
	addInto(g.BIm, db[P*H:])
	Gemm(du, dvs, bcat, n, P2, H, false, false, 1)
}
