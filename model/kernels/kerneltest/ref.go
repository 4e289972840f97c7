package kerneltest

import (
	"math"

	"github.com/recpipe/recpipe/model/kernels"
	"math/cmplx"
	"math/rand/v2"
)

// The float64 references below follow the equations literally (complex128, no
// tricks); tests compare the float32 kernels and their backward against them.

// RefS5 is the S5 scan in float64; p lists the parameters in kernels.S5Params.Slices order.
func RefS5(d kernels.S5Dims, p [][]float64, u, tau []float64) []float64 {
	logA, imA, logStep, bre, bim, cre, cim, dd := p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]
	H, P, T := d.H, d.P, d.T
	y := make([]float64, d.B*T*H)
	for b := range d.B {
		x := make([]complex128, P)
		for t := range T {
			bt := b*T + t
			for q := range P {
				lam := complex(-math.Exp(logA[q]), imA[q])
				delta := complex(tau[bt]*math.Exp(logStep[q]), 0)
				lb := cmplx.Exp(lam * delta)
				var v complex128
				for h := range H {
					v += complex(bre[q*H+h], bim[q*H+h]) * complex(u[bt*H+h], 0)
				}
				x[q] = lb*x[q] + (lb-1)/lam*v
			}
			for h := range H {
				s := dd[h] * u[bt*H+h]
				for q := range P {
					s += real(complex(cre[h*P+q], cim[h*P+q]) * x[q])
				}
				y[bt*H+h] = s
			}
		}
	}
	return y
}

// RefMamba is the selective scan in float64.
func RefMamba(d kernels.MambaDims, x, dtRaw, bm, cm, aLog, dd []float64) []float64 {
	E, N, T := d.E, d.N, d.T
	y := make([]float64, d.B*T*E)
	for b := range d.B {
		h := make([]float64, E*N)
		for t := range T {
			bt := b*T + t
			for e := range E {
				dt := math.Log1p(math.Exp(dtRaw[bt*E+e]))
				s := dd[e] * x[bt*E+e]
				for n := range N {
					a := -math.Exp(aLog[e*N+n])
					h[e*N+n] = math.Exp(dt*a)*h[e*N+n] + dt*bm[bt*N+n]*x[bt*E+e]
					s += cm[bt*N+n] * h[e*N+n]
				}
				y[bt*E+e] = s
			}
		}
	}
	return y
}

// RandSlice returns n uniform values in [lo, hi).
func RandSlice(r *rand.Rand, n int, lo, hi float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = lo + (hi-lo)*r.Float32()
	}
	return s
}

// To64 widens a slice.
func To64(s []float32) []float64 {
	o := make([]float64, len(s))
	for i, v := range s {
		o[i] = float64(v)
	}
	return o
}

// Dot is the inner product.
func Dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// FDGrad returns the central finite difference of f with respect to x[i].
func FDGrad(x []float64, i int, f func() float64) float64 {
	const eps = 1e-6
	old := x[i]
	x[i] = old + eps
	fp := f()
	x[i] = old - eps
	fm := f()
	x[i] = old
	return (fp - fm) / (2 * eps)
}

// RelErr is |a−b| scaled by max(|a|, |b|, 0.01).
func RelErr(a, b float64) float64 {
	return math.Abs(a-b) / math.Max(1e-2, math.Max(math.Abs(a), math.Abs(b)))
}
