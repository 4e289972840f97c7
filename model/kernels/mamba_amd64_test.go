package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The AVX2 position kernels against the plain-Go ones at the model's state sizes:
// the forward bit for bit (inference is checked bit for bit against it), the
// backward to float32 rounding; steps that underflow expf's fast range included.
func TestMambaAVX2MatchesGo(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 on this machine")
	}
	for _, d := range []MambaDims{{B: 3, T: 7, E: 5, N: 8}, {B: 2, T: 4, E: 3, N: 16}} {
		r := rand.New(rand.NewPCG(uint64(d.N), 9))
		rnd := func(n int, lo, hi float32) []float32 {
			s := make([]float32, n)
			for i := range s {
				s[i] = lo + (hi-lo)*r.Float32()
			}
			return s
		}
		n := d.B * d.T
		in := MambaIn{X: rnd(n*d.E, -1, 1), DtRaw: rnd(n*d.E, -3, 1), Bm: rnd(n*d.N, -1, 1), Cm: rnd(n*d.N, -1, 1),
			ALog: rnd(d.E*d.N, -1, 1.5), D: rnd(d.E, -1, 1)}
		in.DtRaw[3], in.DtRaw[7], in.ALog[1] = 60, 1e4, 4 // dt·A far below −87.3: expf's slow path gives 0
		dy := rnd(n*d.E, -1, 1)
		run := func(avx bool) ([]float32, []float32, MambaIn) {
			defer func(v bool) { useAVX2 = v }(useAVX2)
			useAVX2 = avx
			y, hs := make([]float32, n*d.E), make([]float32, MambaCacheLen(d))
			CPU{}.MambaForward(d, in, y, hs)
			g := NewMambaIn(d)
			CPU{}.MambaBackward(d, in, hs, dy, g)
			return y, hs, g
		}
		y0, hs0, g0 := run(false)
		y1, hs1, g1 := run(true)
		for i := range y0 {
			if math.Float32bits(y0[i]) != math.Float32bits(y1[i]) {
				t.Fatalf("N=%d: y[%d] = %v (AVX2) vs %v (Go)", d.N, i, y1[i], y0[i])
			}
		}
		for i := range hs0 {
			if math.Float32bits(hs0[i]) != math.Float32bits(hs1[i]) {
				t.Fatalf("N=%d: hs[%d] = %v (AVX2) vs %v (Go)", d.N, i, hs1[i], hs0[i])
			}
		}
		names := []string{"X", "DtRaw", "Bm", "Cm", "ALog", "D"}
		s0 := [][]float32{g0.X, g0.DtRaw, g0.Bm, g0.Cm, g0.ALog, g0.D}
		s1 := [][]float32{g1.X, g1.DtRaw, g1.Bm, g1.Cm, g1.ALog, g1.D}
		for k := range s0 {
			for i, a := range s0[k] {
				b := s1[k][i]
				if math.Abs(float64(a-b)) > 1e-5*math.Max(1, math.Abs(float64(a))) || math.IsNaN(float64(b)) {
					t.Errorf("N=%d: d%s[%d] = %v (AVX2) vs %v (Go)", d.N, names[k], i, b, a)
				}
			}
		}
	}
}

// SiLU and its gradient on AVX2 equal the plain-Go form bit for bit, and both are
// x·σ(x) and its derivative to float32 rounding, saturated ends included.
func TestSiLUAVX2MatchesGo(t *testing.T) {
	x := make([]float32, 203)
	dy := make([]float32, len(x))
	r := rand.New(rand.NewPCG(5, 6))
	for i := range x {
		x[i], dy[i] = 24*r.Float32()-12, 2*r.Float32()-1
	}
	x[0], x[9], x[17] = 200, -200, 0
	run := func(avx bool) ([]float32, []float32) {
		defer func(v bool) { useAVX2 = v }(useAVX2)
		useAVX2 = avx
		y, dx := make([]float32, len(x)), make([]float32, len(x))
		SiLU(y, x)
		SiLUGrad(dx, x, dy)
		return y, dx
	}
	y0, d0 := run(false)
	y1, d1 := run(true)
	for i, v := range x {
		if math.Float32bits(y0[i]) != math.Float32bits(y1[i]) || math.Float32bits(d0[i]) != math.Float32bits(d1[i]) {
			t.Fatalf("x=%v: silu %v / %v, grad %v / %v (Go / AVX2)", v, y0[i], y1[i], d0[i], d1[i])
		}
		s := 1 / (1 + math.Exp(-float64(v)))
		if want := float64(v) * s; math.Abs(float64(y1[i])-want) > 1e-6*math.Max(1, math.Abs(want)) {
			t.Errorf("silu(%v) = %v, want %v", v, y1[i], want)
		}
		if want := float64(dy[i]) * s * (1 + float64(v)*(1-s)); math.Abs(float64(d1[i])-want) > 1e-6*math.Max(1, math.Abs(want)) {
			t.Errorf("silu'(%v)·%v = %v, want %v", v, dy[i], d1[i], want)
		}
	}
}

// The vectorised Softplus is the scalar one bit for bit (the scan's forward feeds
// inference, which is checked bit for bit), over the whole float32 range.
func TestSoftplusRowMatchesScalar(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 on this machine")
	}
	x := activationInputs()
	y := make([]float32, len(x))
	softplusRow(y, x)
	for i, v := range x {
		if !sameBits(y[i], Softplus(v)) {
			t.Fatalf("Softplus(%v): %v vectorised, %v scalar", v, y[i], Softplus(v))
		}
	}
}

// TestSoftplusSigmoidRowMatchesScalar: the backward's fused row gives Softplus and
// Sigmoid bit for bit, over the same inputs.
func TestSoftplusSigmoidRowMatchesScalar(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 on this machine")
	}
	x := activationInputs()
	y, s := make([]float32, len(x)), make([]float32, len(x))
	softplusSigmoidRow(y, s, x[:len(x)-3]) // and a tail that is not a multiple of 8
	for i, v := range x[:len(x)-3] {
		if !sameBits(y[i], Softplus(v)) || !sameBits(s[i], Sigmoid(v)) {
			t.Fatalf("x = %v: softplus %v, sigmoid %v vectorised; %v, %v scalar", v, y[i], s[i], Softplus(v), Sigmoid(v))
		}
	}
}

func sameBits(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (math.IsNaN(float64(a)) && math.IsNaN(float64(b)))
}

// activationInputs covers the float32 range: moderate, large, any bits (tiny, huge,
// ±Inf, NaN), near zero, and the edges of expf's fast range.
func activationInputs() []float32 {
	r := rand.New(rand.NewPCG(7, 8))
	x := make([]float32, 1<<16)
	for i := range x {
		switch i % 4 {
		case 0:
			x[i] = 20*r.Float32() - 10
		case 1:
			x[i] = 200*r.Float32() - 100
		case 2:
			x[i] = math.Float32frombits(r.Uint32())
		default:
			x[i] = 1e-3 * (2*r.Float32() - 1)
		}
	}
	copy(x, []float32{0, float32(math.Copysign(0, -1)), 1, -1, 88, -88, 87.3, -87.3, 89, -89, 1e-8, 17, -17})
	return x
}
