package cudatest

import (
	"math"
	"testing"
)

// MaxRelErr is max |a−b| / max(|a|, |b|, floor) over two equally long slices, and
// where it occurs (+Inf where only one side is NaN or infinite).
func MaxRelErr(a, b []float32, floor float64) (float64, int) {
	worst, at := 0.0, -1
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				return math.Inf(1), i
			}
			continue
		}
		e := math.Abs(x-y) / math.Max(floor, math.Max(math.Abs(x), math.Abs(y)))
		if e > worst {
			worst, at = e, i
		}
	}
	return worst, at
}

// NormErr is max |a−b| over the largest |b|: the error relative to the scale of the
// reference tensor, the usual float32 tolerance measure (element-wise relative error
// blows up on elements that cancel to nearly zero).
func NormErr(a, b []float32) float64 {
	var diff, scale float64
	for i := range a {
		if math.IsNaN(float64(a[i])) != math.IsNaN(float64(b[i])) {
			return math.Inf(1)
		}
		diff = math.Max(diff, math.Abs(float64(a[i])-float64(b[i])))
		scale = math.Max(scale, math.Abs(float64(b[i])))
	}
	if diff == 0 {
		return 0
	}
	return diff / math.Max(scale, math.SmallestNonzeroFloat32)
}

// Agree fails t when got differs from want (the CPU) by more than tol relative to
// want's scale (NormErr), and logs that error, the worst element-wise relative error
// and how many values are bit-identical either way, so the GPU check's log keeps
// the figures.
func Agree(t testing.TB, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, CPU %d", what, len(got), len(want))
	}
	ne := NormErr(got, want)
	e, at := MaxRelErr(got, want, 1e-3)
	same := 0
	for i := range got {
		if math.Float32bits(got[i]) == math.Float32bits(want[i]) {
			same++
		}
	}
	t.Logf("%-22s n=%-8d norm err %-9.3g elem rel err %-9.3g bit-identical %d/%d", what, len(got), ne, e, same, len(got))
	if ne > tol || math.IsNaN(ne) {
		t.Errorf("%s: device differs from CPU by %.3g of its scale > %.3g (worst element %d: %v vs %v)", what, ne, tol, at, got[max(at, 0)], want[max(at, 0)])
	}
}
