package ss4rec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestLnRowsEqualsLnRow checks lnRows against lnRow row by row, bit for bit, at even
// and odd row counts.
func TestLnRowsEqualsLnRow(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, sh := range []struct{ rows, H int }{{0, 8}, {1, 32}, {2, 32}, {5, 32}, {8, 7}, {3, 1}} {
		x, g, b := randMat(r, sh.rows*sh.H), randMat(r, sh.H), randMat(r, sh.H)
		for i := range x {
			x[i] *= float32(1 + i%5*100)
		}
		got, want := make([]float32, len(x)), make([]float32, len(x))
		lnRows(got, x, g, b, sh.rows, sh.H)
		for k := range sh.rows {
			lnRow(want[k*sh.H:(k+1)*sh.H], x[k*sh.H:(k+1)*sh.H], g, b)
		}
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%+v: element %d: lnRows %v, lnRow %v", sh, i, got[i], want[i])
			}
		}
	}
}
