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
