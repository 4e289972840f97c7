package ss4rec

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/trainer"
)

// On real windows (ml-latest-small, the default net, batches of 32 windows) the graph
// gives the loss and gradients of the reference pass: every param's gradient differs by less
// than 1e-4 of its norm. Needs SS4REC_PREPARED (see BenchmarkTrainMovieLens).
func TestEnginesAgreeOnMovieLens(t *testing.T) {
	dir := os.Getenv("SS4REC_PREPARED")
	if dir == "" {
		t.Skip("SS4REC_PREPARED not set")
	}
	f, err := os.Open(filepath.Join(dir, "train.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	train, err := ratings.ReadAll(f, "train.csv")
	if err != nil {
		t.Fatal(err)
	}
	newModel := func() *Model {
		cfg := DefaultNet()
		cfg.Dropout = 0.3
		m, err := New(cfg, train, 1)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	mp, mg := newModel(), newModel()
	for bi := range 3 {
		ex := make([]int, 32)
		for i := range ex {
			ex[i] = (bi*977 + i*131) % mp.Examples()
		}
		b := trainer.Batch{Examples: ex, Seed: uint64(bi + 1)}
		lp := mp.referenceStep(b)
		lg, err := mg.Step(context.Background(), b)
		if err != nil {
			t.Fatal(err)
		}
		if lp.Count != lg.Count || math.Abs(lp.SumSq-lg.SumSq) > 1e-5*lp.SumSq {
			t.Errorf("batch %d: loss %+v (reference), %+v (graph)", bi, lp, lg)
		}
		for i, p := range mp.net.params {
			q := mg.net.params[i]
			var d, n float64
			for j, v := range p.Grad {
				d += math.Pow(float64(v-q.Grad[j]), 2)
				n += float64(v) * float64(v)
			}
			if math.Sqrt(d) > 1e-4*math.Sqrt(n)+1e-9 {
				t.Errorf("batch %d %s: |Δgrad| %.3g, |grad| %.3g", bi, p.Name, math.Sqrt(d), math.Sqrt(n))
			}
			p.ZeroGrad()
			q.ZeroGrad()
		}
	}
}
