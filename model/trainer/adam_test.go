package trainer

import (
	"math"
	"math/rand/v2"
	"testing"
)

// One Adam step from zero moments moves every element with a gradient by lr·sign(g)
// (bias-corrected m/√v = g/|g|); lazily, untouched rows of a sparse table do not move.
func TestAdamLazyRows(t *testing.T) {
	emb := NewParam("emb", true, 3, 2)
	dense := NewParam("w", false, 2)
	emb.Value = []float32{1, 1, 1, 1, 1, 1}
	emb.AddRows([]int32{2, 2}, []float32{0.5, -2, 0.5, -2}) // row 2 twice: grad (1, -4)
	dense.Grad[0], dense.Grad[1] = 3, 0
	a := NewAdam([]*Param{emb, dense}, 0.9, 0.999, 1e-8)
	a.Update([]*Param{emb, dense}, 0.1, 1)
	want := []float32{1, 1, 1, 1, 0.9, 1.1}
	for j, v := range emb.Value {
		if math.Abs(float64(v-want[j])) > 1e-6 {
			t.Errorf("emb[%d] = %v, want %v", j, v, want[j])
		}
	}
	if math.Abs(float64(dense.Value[0]+0.1)) > 1e-6 || dense.Value[1] != 0 {
		t.Errorf("dense = %v, want [-0.1 0]", dense.Value)
	}
	if a.M[0][0] != 0 || a.V[0][1] != 0 {
		t.Error("moments of an untouched row changed")
	}
	emb.ZeroGrad()
	if len(emb.Touched()) != 0 || emb.Grad[4] != 0 {
		t.Error("ZeroGrad left touched rows")
	}
}

// A tensor's LRScale scales its first step (lr·sign(g) from zero moments), and a
// scale of 1 leaves the step as it was.
func TestAdamLRScale(t *testing.T) {
	a, b := NewParam("a", false, 1), NewParam("b", false, 1)
	b.LRScale = 0.25
	a.Grad[0], b.Grad[0] = 2, -3
	NewAdam([]*Param{a, b}, 0.9, 0.999, 1e-8).Update([]*Param{a, b}, 0.1, 1)
	if math.Abs(float64(a.Value[0]+0.1)) > 1e-6 || math.Abs(float64(b.Value[0]-0.025)) > 1e-6 {
		t.Fatalf("values %v, %v; want -0.1, 0.025", a.Value[0], b.Value[0])
	}
}

func TestSetDecay(t *testing.T) {
	emb, w, lam := NewParam("emb", true, 2, 2), NewParam("w", false, 2), NewParam("lambda", false, 2)
	lam.NoDecay = true
	setDecay([]*Param{emb, w, lam}, TrainConfig{WeightDecay: 0.1, EmbeddingDecay: 0.01})
	if emb.Decay != 0.01 || w.Decay != 0.1 || lam.Decay != 0 {
		t.Fatalf("decays %v %v %v, want 0.01 0.1 0", emb.Decay, w.Decay, lam.Decay)
	}
}

// adamSpan on AVX2 equals adamSpanGo bit for bit (moments and values), at lengths
// with and without a scalar tail, with decay and clipping, over many steps.
func TestAdamSpanAVX2MatchesGo(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2")
	}
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 7, 8, 33, 4096} {
		w, m, v := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range w {
			w[i] = float32(r.NormFloat64())
		}
		w2, m2, v2 := append([]float32(nil), w...), make([]float32, n), make([]float32, n)
		g := make([]float32, n)
		for step := range 20 {
			for i := range g {
				g[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(9)-6)))
			}
			stepSize, eps := float32(1e-3*(1+float64(step))), float32(1e-8)
			adamSpan(w, g, m, v, 0.7, 1e-4, 0.9, 0.999, stepSize, eps)
			adamSpanGo(w2, g, m2, v2, 0.7, 1e-4, 0.9, 0.999, stepSize, eps)
		}
		for i := range w {
			for _, p := range [][2]float32{{w[i], w2[i]}, {m[i], m2[i]}, {v[i], v2[i]}} {
				if math.Float32bits(p[0]) != math.Float32bits(p[1]) {
					t.Fatalf("n=%d element %d: AVX2 %v, Go %v", n, i, p[0], p[1])
				}
			}
		}
	}
}
