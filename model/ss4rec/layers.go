package ss4rec

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

var blas32 gonum.Implementation

// mm computes c = op(a)·op(b) + beta·c for row-major a (m×k, or k×m if ta), b (k×n,
// or n×k if tb), c (m×n).
func mm(c, a, b []float32, m, k, n int, ta, tb bool, beta float32) {
	if m == 0 || n == 0 {
		return
	}
	tA, lda := blas.NoTrans, k
	if ta {
		tA, lda = blas.Trans, m
	}
	tB, ldb := blas.NoTrans, n
	if tb {
		tB, ldb = blas.Trans, k
	}
	blas32.Sgemm(tA, tB, m, n, k, 1, a, lda, b, ldb, beta, c, n)
}

// addBias adds bias [n] to every row of x [rows×n]; biasGrad sums the rows of dx.
func addBias(x, bias []float32) {
	n := len(bias)
	for i := 0; i < len(x); i += n {
		row := x[i : i+n]
		for j, v := range bias {
			row[j] += v
		}
	}
}

func biasGrad(db, dx []float32) {
	n := len(db)
	for i := 0; i < len(dx); i += n {
		for j, v := range dx[i : i+n] {
			db[j] += v
		}
	}
}

// layerNorm normalises each row of x [rows×H] into y, keeping x̂ and 1/σ for backward.
type layerNorm struct{ xhat, rstd []float32 }

const lnEps = 1e-5

func (l *layerNorm) forward(y, x, gamma, beta []float32, rows int) {
	H := len(gamma)
	l.xhat, l.rstd = grow(l.xhat, rows*H), grow(l.rstd, rows)
	for r := range rows {
		xr := x[r*H : r*H+H]
		var mean, vr float64
		for _, v := range xr {
			mean += float64(v)
		}
		mean /= float64(H)
		for _, v := range xr {
			d := float64(v) - mean
			vr += d * d
		}
		rs := float32(1 / math.Sqrt(vr/float64(H)+lnEps))
		l.rstd[r] = rs
		xh, yr := l.xhat[r*H:r*H+H], y[r*H:r*H+H]
		for i, v := range xr {
			xh[i] = (v - float32(mean)) * rs
			yr[i] = xh[i]*gamma[i] + beta[i]
		}
	}
}

// backward writes dx (overwriting) and accumulates dgamma, dbeta.
func (l *layerNorm) backward(dx, dy, gamma, dgamma, dbeta []float32, rows int) {
	H := len(gamma)
	for r := range rows {
		dyr, xh, dxr := dy[r*H:r*H+H], l.xhat[r*H:r*H+H], dx[r*H:r*H+H]
		var m1, m2 float32
		for i, g := range dyr {
			dgamma[i] += g * xh[i]
			dbeta[i] += g
			d := g * gamma[i]
			m1 += d
			m2 += d * xh[i]
		}
		m1 /= float32(H)
		m2 /= float32(H)
		rs := l.rstd[r]
		for i, g := range dyr {
			dxr[i] = rs * (g*gamma[i] - m1 - xh[i]*m2)
		}
	}
}

func silu(x float32) float32 { return x / (1 + float32(math.Exp(-float64(x)))) }

// siluGrad is d silu/dx.
func siluGrad(x float32) float32 {
	s := 1 / (1 + float32(math.Exp(-float64(x))))
	return s * (1 + x*(1-s))
}

// convForward is the causal depthwise convolution over each of nb windows of T
// positions: y[t,e] = b[e] + Σ_k w[e,k]·x[t−K+1+k, e] (terms before the window start are 0).
func convForward(y, x, w, b []float32, nb, T, E, K int) {
	wt := transposeEK(w, E, K)
	for s := range nb {
		for t := range T {
			yr := y[(s*T+t)*E : (s*T+t)*E+E]
			copy(yr, b)
			for k := range K {
				src := t - K + 1 + k
				if src < 0 {
					continue
				}
				xr, wk := x[(s*T+src)*E:(s*T+src)*E+E], wt[k*E:k*E+E]
				for e, v := range xr {
					yr[e] += wk[e] * v
				}
			}
		}
	}
}

// transposeEK returns w [E×K] as [K×E], so the loops over e read it in order.
func transposeEK(w []float32, E, K int) []float32 {
	wt := make([]float32, K*E)
	for e := range E {
		for k := range K {
			wt[k*E+e] = w[e*K+k]
		}
	}
	return wt
}

// convBackward accumulates dx, dw, db from dy (each sum in the order of a loop over
// windows, positions and taps; dw is accumulated transposed, [K×E], and put back).
func convBackward(dx, dw, db, dy, x, w []float32, nb, T, E, K int) {
	wt, dwt := transposeEK(w, E, K), transposeEK(dw, E, K)
	for s := range nb {
		for t := range T {
			dyr := dy[(s*T+t)*E : (s*T+t)*E+E]
			for e, g := range dyr {
				db[e] += g
			}
			for k := range K {
				src := t - K + 1 + k
				if src < 0 {
					continue
				}
				xr, dxr := x[(s*T+src)*E:(s*T+src)*E+E], dx[(s*T+src)*E:(s*T+src)*E+E]
				wk, dwk := wt[k*E:k*E+E], dwt[k*E:k*E+E]
				for e, g := range dyr {
					dwk[e] += g * xr[e]
					dxr[e] += g * wk[e]
				}
			}
		}
	}
	for e := range E {
		for k := range K {
			dw[e*K+k] = dwt[k*E+e]
		}
	}
}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}
