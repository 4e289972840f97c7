package ss4rec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSiluRowMatchesScalar checks siluRow against silu bit for bit over seeded
// random inputs of several scales, any bit pattern, and special values, at every
// length and offset around the vector width.
func TestSiluRowMatchesScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	x := make([]float32, 1<<16)
	for i := range x {
		switch i % 5 {
		case 0:
			x[i] = 20*r.Float32() - 10
		case 1:
			x[i] = 2000*r.Float32() - 1000
		case 2:
			x[i] = math.Float32frombits(r.Uint32()) // tiny, huge, ±Inf, NaN
		case 3:
			x[i] = 1e-3 * (2*r.Float32() - 1)
		default:
			x[i] = 1e-30 * (2*r.Float32() - 1)
		}
	}
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 700, -700, 701, -701, 745, -745,
		88, -88, 104, -104, 1e-8, -1e-8, math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
		math.MaxFloat32, -math.MaxFloat32, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	copy(x, special)
	copy(x[1000:], special)
	check := func(y, x []float32) {
		t.Helper()
		for i, v := range x {
			want := silu(v)
			if math.Float32bits(y[i]) != math.Float32bits(want) && !(math.IsNaN(float64(want)) && math.IsNaN(float64(y[i]))) {
				t.Fatalf("silu(%v) [%#x]: %v vectorised, %v scalar", v, math.Float32bits(v), y[i], want)
			}
		}
	}
	y := make([]float32, len(x))
	siluRow(y, x)
	check(y, x)
	for n := range 13 {
		for off := range 5 {
			y := make([]float32, n)
			siluRow(y, x[off:off+n])
			check(y, x[off:off+n])
		}
	}
}
