package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Gemm equals gonum's Sgemm to float32 rounding in every layout the training graph
// uses (and the ones it hands to gonum), with beta 0 and 1, on both paths.
func TestGemmMatchesGonum(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	rnd := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = 2*r.Float32() - 1
		}
		return s
	}
	cases := []struct {
		m, k, n int
		ta, tb  bool
	}{
		{1600, 32, 64, false, false}, {1600, 64, 32, false, true}, {32, 1600, 64, true, false},
		{8, 3, 16, false, false}, {4, 5, 32, true, false}, {12, 7, 16, false, true},
		{1600, 64, 2, false, false}, {6, 4, 16, false, false}, {8, 4, 16, true, true},
		{1600, 64, 8, false, false}, {64, 1600, 8, true, false}, {1600, 8, 64, false, true},
		{1600, 2, 64, false, false}, {64, 1600, 2, true, false}, {1600, 64, 2, false, true},
		{400, 16, 40, false, false}, {12, 9, 26, true, false}, {4, 3, 5, false, false},
	}
	for _, tc := range cases {
		for _, beta := range []float32{0, 1} {
			a, b, c0 := rnd(tc.m*tc.k), rnd(tc.k*tc.n), rnd(tc.m*tc.n)
			want := append([]float32(nil), c0...)
			gonumGemm(want, a, b, tc.m, tc.k, tc.n, tc.ta, tc.tb, beta)
			got := append([]float32(nil), c0...)
			Gemm(got, a, b, tc.m, tc.k, tc.n, tc.ta, tc.tb, beta)
			for i := range want {
				if d := math.Abs(float64(got[i] - want[i])); d > 1e-6*float64(tc.k)+1e-6 || math.IsNaN(float64(got[i])) {
					t.Fatalf("%+v beta %v: c[%d] = %v, gonum %v", tc, beta, i, got[i], want[i])
				}
			}
		}
	}
}

// GemmExact equals gonum's Sgemm (beta 0) bit for bit in the layouts it speeds up
// (NoTrans·NoTrans, Trans·NoTrans, NoTrans·Trans with k ≤ 64) and the ones it hands
// to gonum, with zeros in a (which gonum skips) and every remainder path.
func TestGemmExactMatchesGonumBits(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	rnd := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			if r.IntN(4) == 0 {
				continue // ReLU outputs: many exact zeros
			}
			s[i] = (2*r.Float32() - 1) * float32(math.Pow(10, float64(r.IntN(5)-2)))
		}
		return s
	}
	cases := []struct {
		m, k, n int
		ta, tb  bool
	}{
		{256, 32, 64, false, false}, {256, 64, 32, false, false}, {256, 32, 16, false, false},
		{256, 64, 32, false, true}, {256, 32, 64, false, true}, {256, 16, 32, false, true},
		{256, 8, 16, false, true}, {256, 16, 8, false, true}, {256, 20, 13, false, true},
		{32, 256, 64, true, false}, {64, 256, 32, true, false}, {16, 256, 8, true, false},
		{7, 5, 19, false, false}, {6, 9, 26, true, false}, {5, 12, 11, false, true},
		{3, 2, 1, false, false}, {256, 100, 8, false, true}, {256, 6, 16, false, true},
		{8, 4, 16, true, true}, {1600, 32, 64, false, false},
	}
	for _, tc := range cases {
		a, b := rnd(tc.m*tc.k), rnd(tc.k*tc.n)
		want := rnd(tc.m * tc.n)
		got := append([]float32(nil), want...) // stale values: both overwrite
		gonumGemm(want, a, b, tc.m, tc.k, tc.n, tc.ta, tc.tb, 0)
		GemmExact(got, a, b, tc.m, tc.k, tc.n, tc.ta, tc.tb)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%+v: c[%d] = %v (%08x), gonum %v (%08x)", tc, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
			}
		}
	}
}
