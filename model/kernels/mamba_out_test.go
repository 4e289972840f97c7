//go:build amd64 && !amd64.v3

// Bit-for-bit checks need a build that does not fuse multiply-adds (GOAMD64 below
// v3; arm64 fuses too), so both sums round every product alike.

package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMambaOutEqualsOneChannelAtATime: the four-channel output sum gives, bit for
// bit, the in-order sum one channel at a time, at channel counts that leave a tail.
func TestMambaOutEqualsOneChannelAtATime(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct{ E, N int }{{64, 16}, {7, 5}, {4, 1}, {3, 16}, {13, 8}} {
		x, D, cm := randRow(r, tc.E), randRow(r, tc.E), randRow(r, tc.N)
		h := randRow(r, tc.E*tc.N)
		got := make([]float32, tc.E)
		MambaOut(got, D, x, h, cm)
		for e := range tc.E {
			want := D[e] * x[e]
			for n := range tc.N {
				want += cm[n] * h[e*tc.N+n]
			}
			if math.Float32bits(got[e]) != math.Float32bits(want) {
				t.Fatalf("E=%d N=%d channel %d: %v, want %v", tc.E, tc.N, e, got[e], want)
			}
		}
	}
}

func randRow(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 2*r.Float32() - 1
	}
	return s
}
