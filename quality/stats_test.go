package quality

import (
	"math"
	"testing"
)

func TestPSI(t *testing.T) {
	tests := []struct {
		name     string
		obs, exp []int
		want     float64
	}{
		{"identical", []int{1, 2, 3, 4}, []int{2, 4, 6, 8}, 0},
		// shares (.5,.5) vs (.25,.75): .25·ln2 + .25·ln(1.5)... computed by hand
		{"shifted", []int{1, 1}, []int{1, 3}, (0.5-0.25)*math.Log(0.5/0.25) + (0.5-0.75)*math.Log(0.5/0.75)},
		{"empty bin floored", []int{0, 1}, []int{1, 1}, (1e-4-0.5)*math.Log(1e-4/0.5) + (1-0.5)*math.Log(1/0.5)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PSI(tt.obs, tt.exp); math.Abs(got-tt.want) > 1e-12 {
				t.Fatalf("PSI = %v, want %v", got, tt.want)
			}
		})
	}
	if !math.IsNaN(PSI([]int{0, 0}, []int{1, 1})) {
		t.Fatal("PSI of an empty sample is not NaN")
	}
}

func TestKS2(t *testing.T) {
	tests := []struct {
		name   string
		a, b   []int
		d      float64
		pBelow float64 // p must be below this (or above, when negative)
	}{
		{"same sample", []int{1, 2, 3, 4, 5}, []int{1, 2, 3, 4, 5}, 0, -0.99},
		{"disjoint", []int{1, 1, 1, 2, 2, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2}, []int{9, 9, 8, 8, 9, 9, 8, 8, 9, 9, 8, 8, 9, 9, 8, 8, 9, 9, 8, 8}, 1, 1e-6},
		// F_a and F_b differ most at 2: 3/4 vs 1/4
		{"ties", []int{1, 2, 2, 3}, []int{2, 3, 3, 3}, 0.5, -0.3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, p := KS2(tt.a, tt.b)
			if math.Abs(d-tt.d) > 1e-12 {
				t.Fatalf("D = %v, want %v", d, tt.d)
			}
			if tt.pBelow > 0 && p >= tt.pBelow || tt.pBelow < 0 && p <= -tt.pBelow {
				t.Fatalf("p = %v, bound %v", p, tt.pBelow)
			}
		})
	}
}

func TestRobustZ(t *testing.T) {
	z, med, ok := robustZ(10, []float64{1, 2, 3, 4, 5})
	// median 3, deviations 2,1,0,1,2 → MAD 1
	if !ok || med != 3 || math.Abs(z-7/1.4826) > 1e-12 {
		t.Fatalf("z=%v med=%v ok=%v", z, med, ok)
	}
	if _, _, ok := robustZ(1, []float64{2, 2, 2}); ok {
		t.Fatal("no spread must report !ok")
	}
}
