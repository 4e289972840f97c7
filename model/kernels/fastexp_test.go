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
