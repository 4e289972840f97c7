package trainer

import "math"

// Adam is the fused Adam solver of the trainer. Dense parameters are updated in one
// pass over their slices (moments and value together, no temporaries). Sparse tables
// are updated lazily: only the rows touched this step move, and their moments decay
// only when they are touched (as TensorFlow's LazyAdam); the bias correction uses the
// global step.
type Adam struct {
	Beta1, Beta2, Eps float64
	Step              int64       // global step count, 1-based after the first Update
	M, V              [][]float32 // first and second moments, one per Param in order
}

// NewAdam allocates moments for params.
func NewAdam(params []*Param, beta1, beta2, eps float64) *Adam {
	a := &Adam{Beta1: beta1, Beta2: beta2, Eps: eps}
	for _, p := range params {
		a.M = append(a.M, make([]float32, len(p.Value)))
		a.V = append(a.V, make([]float32, len(p.Value)))
	}
	return a
}

// Update applies one step with learning rate lr (times each Param's LRScale), scaling
// every gradient by scale (gradient clipping) and adding each Param's Decay·value first.
func (a *Adam) Update(params []*Param, lr, scale float64) {
	a.Step++
	bc1 := 1 - math.Pow(a.Beta1, float64(a.Step))
	bc2 := 1 - math.Pow(a.Beta2, float64(a.Step))
	stepSize := float32(lr * math.Sqrt(bc2) / bc1)
	b1, b2 := float32(a.Beta1), float32(a.Beta2)
	eps := float32(a.Eps * math.Sqrt(bc2))
	sc := float32(scale)
	for i, p := range params {
		m, v := a.M[i], a.V[i]
		stepSize := stepSize
		if p.LRScale != 1 {
			stepSize = float32(lr * p.LRScale * math.Sqrt(bc2) / bc1)
		}
		if !p.Sparse {
			adamSpan(p.Value, p.Grad, m, v, sc, p.Decay, b1, b2, stepSize, eps)
			continue
		}
		c := p.Cols()
		for _, r := range p.touched {
			lo, hi := int(r)*c, int(r+1)*c
			adamSpan(p.Value[lo:hi], p.Grad[lo:hi], m[lo:hi], v[lo:hi], sc, p.Decay, b1, b2, stepSize, eps)
		}
	}
}

// adamSpan is the fused update of one contiguous span: decay, moments and value in
// one pass, eight elements at a time on AVX2 (bit for bit adamSpanGo).
func adamSpan(w, g, m, v []float32, scale, decay, b1, b2, stepSize, eps float32) {
	w, m, v = w[:len(g)], m[:len(g)], v[:len(g)]
	n := 0
	if useAVX2 {
		if n = len(g) / 8 * 8; n > 0 {
			k := [8]float32{scale, decay, b1, 1 - b1, b2, 1 - b2, stepSize, eps}
			adamAVX(&w[0], &g[0], &m[0], &v[0], n, &k)
		}
	}
	adamSpanGo(w[n:], g[n:], m[n:], v[n:], scale, decay, b1, b2, stepSize, eps)
}

// adamSpanGo is adamSpan in plain Go.
func adamSpanGo(w, g, m, v []float32, scale, decay, b1, b2, stepSize, eps float32) {
	w, m, v = w[:len(g)], m[:len(g)], v[:len(g)]
	for j, gj := range g {
		gj = gj*scale + decay*w[j]
		mj := b1*m[j] + (1-b1)*gj
		vj := b2*v[j] + (1-b2)*gj*gj
		m[j], v[j] = mj, vj
		w[j] -= stepSize * mj / (float32(math.Sqrt(float64(vj))) + eps)
	}
}
