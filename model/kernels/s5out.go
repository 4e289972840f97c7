package kernels

// S5Out writes the S5 output at T positions, y [T×H], from the inputs u [T×H] and the
// states xs [T×2P] (real parts, then imaginary): y[t,h] = d[h]·u[t,h] + Σ_q
// (C_re[h,q]·xr[t,q] − C_im[h,q]·xi[t,q]), with crT, ciT = C_re, C_im transposed
// [P×H]; every lane does the scalar operations in their order (no FMA), so training
// (S5Forward) and inference (ss4rec's Predict) agree bit for bit.
func S5Out(y, u, d, crT, ciT, xs []float32, T, H, P int) {
	if T == 0 || H%4 != 0 || P == 0 || !useSSE {
		s5OutGo(y, u, d, crT, ciT, xs, T, H, P)
		return
	}
	_, _, _, _, _, _ = y[T*H-1], u[T*H-1], d[H-1], crT[P*H-1], ciT[P*H-1], xs[T*2*P-1]
	s5OutSSE(&y[0], &u[0], &d[0], &crT[0], &ciT[0], &xs[0], T, H, P)
}

// s5OutGo is S5Out in plain Go.
func s5OutGo(y, u, d, crT, ciT, xs []float32, T, H, P int) {
	for t := range T {
		xrow, ut := xs[t*2*P:t*2*P+2*P], u[t*H:t*H+H]
		for h := range H {
			s := d[h] * ut[h]
			for q := range P {
				s += crT[q*H+h]*xrow[q] - ciT[q*H+h]*xrow[P+q]
			}
			y[t*H+h] = s
		}
	}
}
