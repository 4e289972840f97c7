package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// S5Out (four channels at a time on amd64) equals its scalar loop bit for bit (this
// package's tests build without fused multiply-adds on amd64).
func TestS5OutMatchesScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	randMat := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(r.NormFloat64())
		}
		return s
	}
	for _, sh := range []struct{ T, H, P int }{{50, 32, 16}, {1, 4, 3}, {7, 20, 7}, {3, 6, 2}} {
		u, d := randMat(sh.T*sh.H), randMat(sh.H)
		crT, ciT, xs := randMat(sh.P*sh.H), randMat(sh.P*sh.H), randMat(sh.T*2*sh.P)
		got, want := make([]float32, sh.T*sh.H), make([]float32, sh.T*sh.H)
		S5Out(got, u, d, crT, ciT, xs, sh.T, sh.H, sh.P)
		s5OutGo(want, u, d, crT, ciT, xs, sh.T, sh.H, sh.P)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%+v: element %d: S5Out %v, scalar %v", sh, i, got[i], want[i])
			}
		}
	}
}
