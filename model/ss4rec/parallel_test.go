package ss4rec

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestSplitOpsSameBitsOnOneCore: the ops split over two cores (layer norm, causal
// convolution, both ways) give the same bits on one core, so a result never depends
// on the machine it ran on.
func TestSplitOpsSameBitsOnOneCore(t *testing.T) {
	const nb, T, E, K, H = 16, 50, 64, 4, 32
	r := rand.New(rand.NewPCG(5, 6))
	rnd := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = 2*r.Float32() - 1
		}
		return s
	}
	x, w, b, dy := rnd(nb*T*E), rnd(E*K), rnd(E), rnd(nb*T*E)
	lx, gamma, beta, ldy := rnd(nb*T*H), rnd(H), rnd(H), rnd(nb*T*H)
	run := func() [][]float32 {
		y, dx, dw, db := make([]float32, nb*T*E), make([]float32, nb*T*E), make([]float32, E*K), make([]float32, E)
		convForward(y, x, w, b, nb, T, E, K)
		convBackward(dx, dw, db, dy, x, w, nb, T, E, K)
		l := &layerNorm{}
		ly, ldx, dg, dbeta := make([]float32, nb*T*H), make([]float32, nb*T*H), make([]float32, H), make([]float32, H)
		l.forward(ly, lx, gamma, beta, nb*T)
		l.backward(ldx, ldy, gamma, dg, dbeta, nb*T)
		m := make([]float32, nb*T*E)
		mulInto(m, x, dy)
		return [][]float32{y, dx, dw, db, ly, ldx, dg, dbeta, m}
	}
	two := run()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	one := run()
	for i := range one {
		for j := range one[i] {
			if math.Float32bits(one[i][j]) != math.Float32bits(two[i][j]) {
				t.Fatalf("output %d [%d]: %v on one core, %v on two", i, j, one[i][j], two[i][j])
			}
		}
	}
}

// TestFillMaskPCGEqualsFillMask: the direct draws give fillMask's mask, element for
// element, at dropout rates including 0, 1/2 and ones not exact in binary.
func TestFillMaskPCGEqualsFillMask(t *testing.T) {
	for _, p := range []float32{0, 0.1, 0.25, 0.5, 0.3333, 0.9} {
		want, got := make([]float32, 10007), make([]float32, 10007)
		fillMask(want, p, rand.New(rand.NewPCG(9, 0xd0)))
		fillMaskPCG(got, p, rand.NewPCG(9, 0xd0))
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("p = %v, element %d: %v, want %v", p, i, got[i], want[i])
			}
		}
	}
}
