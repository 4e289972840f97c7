package ss4rec

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/recpipe/recpipe/model/kernels"
)

// The inference scan's exp is kernels' exp, bit for bit, over the range the scan
// meets (dt·A ≤ 0, down past the underflow cut) and beyond.
func TestExpfMatchesKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	xs := []float32{0, -0.5, -87.3, -87.31, -100, 88, 88.5, float32(math.Inf(-1)), 1e-30}
	for range 200000 {
		xs = append(xs, float32(-r.ExpFloat64()*20), float32(r.NormFloat64()*30))
	}
	for _, x := range xs {
		if got, want := expf(x), kernels.Expf(x); math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("expf(%v) = %v, kernels %v", x, got, want)
		}
	}
}

// scanRows (four lanes at a time on amd64) equals the scalar update with expf.
func TestScanRowsMatchesExpf(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	for _, n := range []int{4, 8, 12, 3, 16, 24} {
		const rows = 500
		a, dt, dx, bm := make([]float32, rows*n), make([]float32, rows), make([]float32, rows), make([]float32, n)
		h := make([]float32, rows*n)
		for i := range a {
			a[i] = -float32(min(r.ExpFloat64()*4, 20)) // in expf's fast range with dt ≤ 4
			h[i] = float32(r.NormFloat64())
		}
		for i := range dt {
			dt[i] = float32(min(r.ExpFloat64(), 4))
			dx[i] = float32(r.NormFloat64())
		}
		for k := range bm {
			bm[k] = float32(r.NormFloat64())
		}
		dt[0], a[1] = 0, 0
		got, want := slices.Clone(h), slices.Clone(h)
		scanRows(got, a, dt, dx, bm, n)
		scanRowsGo(want, a, dt, dx, bm, n)
		for i := range got {
			if !sameOp(got[i], want[i]) {
				t.Fatalf("n=%d element %d: scanRows %v, scalar %v", n, i, got[i], want[i])
			}
		}
	}
}

func BenchmarkScanRows(b *testing.B) {
	const rows, n = 64, 8
	a, dt, dx, bm, h := make([]float32, rows*n), make([]float32, rows), make([]float32, rows), make([]float32, n), make([]float32, rows*n)
	for i := range a {
		a[i] = -float32(i%n + 1)
	}
	for i := range dt {
		dt[i], dx[i] = 0.01*float32(i+1), 0.5
	}
	b.Run("sse", func(b *testing.B) {
		for b.Loop() {
			scanRows(h, a, dt, dx, bm, n)
		}
	})
	b.Run("go", func(b *testing.B) {
		for b.Loop() {
			scanRowsGo(h, a, dt, dx, bm, n)
		}
	})
}
