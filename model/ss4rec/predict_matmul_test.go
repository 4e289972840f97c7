package ss4rec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func randMat(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
		if r.IntN(10) == 0 {
			s[i] = 0 // Sgemm skips zero factors; matmulWide must agree anyway
		}
	}
	return s
}

// sameOp is bit-for-bit equality where the build rounds every operation
// (exactFloat), else agreement to a few float32 ulps.
func sameOp(a, b float32) bool {
	if exactFloat {
		return math.Float32bits(a) == math.Float32bits(b)
	}
	return math.Abs(float64(a-b)) <= 1e-5*max(1, math.Abs(float64(b)))
}

// matmulWide must equal mm (gonum's Sgemm) bit for bit at the model's shapes and odd ones.
func TestMatmulEqualsSgemm(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, sh := range []struct{ m, k, n int }{
		{1, 1, 1}, {50, 32, 64}, {50, 32, 32}, {1, 64, 16}, {3, 1, 48}, {49, 64, 32}, {3, 64, 2}, {7, 2, 64}, {5, 64, 8}, {2, 5, 7}, {130, 64, 18},
		{4, 64, 96}, {3, 7, 80}, {2, 3, 112},
	} {
		a, w := randMat(r, sh.m*sh.k), randMat(r, sh.k*sh.n)
		want := make([]float32, sh.m*sh.n)
		mm(want, a, w, sh.m, sh.k, sh.n, false, false, 0)
		for _, wide := range widePaths() {
			got := make([]float32, sh.m*sh.n)
			wide.run(func() { matmulWide(got, a, w, sh.m, sh.k, sh.n) })
			for i := range want {
				if !sameOp(got[i], want[i]) {
					t.Fatalf("%+v, %s: element %d: matmulWide %v, Sgemm %v", sh, wide.name, i, got[i], want[i])
				}
			}
		}
	}
}

func BenchmarkMatmul(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, sh := range []struct{ m, k, n int }{{50, 32, 64}, {50, 64, 32}, {50, 64, 8}, {50, 64, 2}, {50, 2, 64}} {
		a, w, c := randMat(r, sh.m*sh.k), randMat(r, sh.k*sh.n), make([]float32, sh.m*sh.n)
		flop := 2 * float64(sh.m*sh.k*sh.n)
		b.Run(fmt.Sprintf("wide/%dx%dx%d", sh.m, sh.k, sh.n), func(b *testing.B) {
			for b.Loop() {
				matmulWide(c, a, w, sh.m, sh.k, sh.n)
			}
			b.ReportMetric(flop*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(fmt.Sprintf("sgemm/%dx%dx%d", sh.m, sh.k, sh.n), func(b *testing.B) {
			for b.Loop() {
				mm(c, a, w, sh.m, sh.k, sh.n, false, false, 0)
			}
			b.ReportMetric(flop*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
