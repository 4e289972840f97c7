package kernels

import (
	"math"
	"testing"
)

func TestExpfAccuracy(t *testing.T) {
	for x := float32(-90); x < 88; x += 0.0137 {
		got, want := float64(expf(x)), math.Exp(float64(x))
		if want > 1e-37 && math.Abs(got-want)/want > 4e-7 {
			t.Fatalf("expf(%v) = %v, want %v", x, got, want)
		}
	}
	if expf(-1e4) != 0 || !math.IsNaN(float64(expf(float32(math.NaN())))) {
		t.Fatal("expf edge cases")
	}
}

func TestSoftplusAccuracy(t *testing.T) {
	for x := float32(-100); x < 100; x += 0.00731 {
		got := float64(Softplus(x))
		want := math.Log1p(math.Exp(float64(x)))
		if x > 30 {
			want = float64(x)
		}
		if want > 1e-37 && math.Abs(got-want)/want > 1e-6 { // below float32's normal range 0 is fine
			t.Fatalf("Softplus(%v) = %v, want %v", x, got, want)
		}
	}
}

// TestSigmoidAgainstFloat64: Sigmoid (the e^−|x| form Softplus shares) stays within
// a few float32 ulps of 1/(1+e^−x) computed in float64, on both sides of zero and in
// the tails where one form of it would overflow (below −87.3 expf flushes to zero,
// so there the error is at most the smallest normal float32).
func TestSigmoidAgainstFloat64(t *testing.T) {
	for _, x := range []float32{0, 1e-6, -1e-6, 0.5, -0.5, 3, -3, 17, -17, 40, -40, 87, -87, 100, -100} {
		want := 1 / (1 + math.Exp(-float64(x)))
		got := float64(Sigmoid(x))
		if d := math.Abs(got - want); d > 4e-7*want && d > 0x1p-126 {
			t.Errorf("Sigmoid(%v) = %v, want %v (relative error %.2g)", x, got, want, d/want)
		}
	}
}
