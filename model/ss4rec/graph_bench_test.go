package ss4rec

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/trainer"
)

// BenchmarkStepEngine compares the training step (the graph) with the reference pass
// on ml-latest-small windows
// (default net, dropout 0.3, batches of 32 windows drawn with a fixed seed, so both
// engines see the same batches): ns/op is one training step, and positions/s counts
// padded positions. Needs SS4REC_PREPARED, e.g.
//
//	SS4REC_PREPARED=/tmp/p/data/prepared/ml-latest-small \
//	  go test ./model/ss4rec -run XXX -bench StepEngine -benchtime 30x
func BenchmarkStepEngine(b *testing.B) {
	dir := os.Getenv("SS4REC_PREPARED")
	if dir == "" {
		b.Skip("SS4REC_PREPARED not set")
	}
	f, err := os.Open(filepath.Join(dir, "train.csv"))
	if err != nil {
		b.Fatal(err)
	}
	train, err := ratings.ReadAll(f, "train.csv")
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	for _, engine := range []string{"reference", EngineGraph} {
		b.Run(engine, func(b *testing.B) {
			cfg := DefaultNet()
			cfg.Dropout = 0.3
			m, err := New(cfg, train, 1)
			if err != nil {
				b.Fatal(err)
			}
			const bs = 32
			rng := rand.New(rand.NewPCG(1, 2))
			steps := 0
			for b.Loop() {
				ex := make([]int, bs)
				for i := range ex {
					ex[i] = rng.IntN(m.Examples())
				}
				for _, p := range m.Params() {
					p.ZeroGrad()
				}
				batch := trainer.Batch{Examples: ex, Seed: uint64(steps)}
				if engine == "reference" {
					m.referenceStep(batch)
				} else if _, err := m.Step(context.Background(), batch); err != nil {
					b.Fatal(err)
				}
				steps++
			}
			b.ReportMetric(float64(steps*bs*cfg.MaxSeqLen)/b.Elapsed().Seconds(), "positions/s")
		})
	}
}
