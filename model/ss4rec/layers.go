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
	halves(rows, H, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			l.forwardRow(y[r*H:r*H+H], x[r*H:r*H+H], gamma, beta, r)
		}
	})
}

func (l *layerNorm) forwardRow(yr, xr, gamma, beta []float32, r int) {
	H := len(gamma)
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
	xh := l.xhat[r*H : r*H+H]
	for i, v := range xr {
		xh[i] = (v - float32(mean)) * rs
		yr[i] = xh[i]*gamma[i] + beta[i]
	}
}

// backward writes dx (overwriting) and accumulates dgamma, dbeta. On two cores one
// takes dgamma, dbeta (over every row, in order) and the first third of dx's rows,
// the other the rest of dx: each sum keeps its order, so the bits do not change.
func (l *layerNorm) backward(dx, dy, gamma, dgamma, dbeta []float32, rows int) {
	H := len(gamma)
	dxRows := func(lo, hi int) {
		for r := lo; r < hi; r++ {
			l.backwardRow(dx[r*H:r*H+H], dy[r*H:r*H+H], gamma, r)
		}
	}
	inParallel(rows*H >= parallelMin, func() {
		for r := range rows {
			dyr, xh := dy[r*H:r*H+H], l.xhat[r*H:r*H+H]
			for i, g := range dyr {
				dgamma[i] += g * xh[i]
				dbeta[i] += g
			}
		}
		dxRows(0, rows/3)
	}, func() { dxRows(rows/3, rows) })
}

// backwardRow writes row r of dx.
func (l *layerNorm) backwardRow(dxr, dyr, gamma []float32, r int) {
	H := len(gamma)
	xh := l.xhat[r*H : r*H+H]
	var m1, m2 float32
	for i, g := range dyr {
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
	halves(nb, T*E, func(lo, hi int) {
		for s := lo; s < hi; s++ {
			for t := range T {
				yr := y[(s*T+t)*E : (s*T+t)*E+E]
				copy(yr, b)
				for k := max(0, K-1-t); k < K; k++ {
					src := t - K + 1 + k
					xr, wk := x[(s*T+src)*E:(s*T+src)*E+E], wt[k*E:k*E+E]
					for e, v := range xr {
						yr[e] += wk[e] * v
					}
				}
			}
		}
	})
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
	// each term of the window s, position t, tap k: dx[src] += dy·w and dw[k] += dy·x
	taps := func(s, t int, f func(dyr []float32, src, k int)) {
		dyr := dy[(s*T+t)*E : (s*T+t)*E+E]
		for k := max(0, K-1-t); k < K; k++ {
			f(dyr, s*T+t-K+1+k, k)
		}
	}
	// dx on one core, dw and db on the other: each sum in the serial order.
	inParallel(nb*T*E >= parallelMin, func() {
		for s := range nb {
			for t := range T {
				taps(s, t, func(dyr []float32, src, k int) {
					dxr, wk := dx[src*E:src*E+E], wt[k*E:k*E+E]
					for e, g := range dyr {
						dxr[e] += g * wk[e]
					}
				})
			}
		}
	}, func() {
		for s := range nb {
			for t := range T {
				for e, g := range dy[(s*T+t)*E : (s*T+t)*E+E] {
					db[e] += g
				}
				taps(s, t, func(dyr []float32, src, k int) {
					xr, dwk := x[src*E:src*E+E], dwt[k*E:k*E+E]
					for e, g := range dyr {
						dwk[e] += g * xr[e]
					}
				})
			}
		}
	})
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
