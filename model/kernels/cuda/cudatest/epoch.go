package cudatest

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/recpipe/recpipe/data/movielens"
	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/kernels"
	"github.com/recpipe/recpipe/model/ss4rec"
	"github.com/recpipe/recpipe/model/trainer"
)

// SmallTrain returns the training rows of ml-latest-small: dir/train.csv when dir is
// set (a prepared split), else every row of the release shipped in data/movielens
// (the epoch then covers all ratings, not the train split), and which it was.
func SmallTrain(dir string) ([]ratings.Rating, string, error) {
	if dir != "" {
		f, err := os.Open(filepath.Join(dir, "train.csv"))
		if err != nil {
			return nil, "", fmt.Errorf("ml-latest-small train split: %w", err)
		}
		defer f.Close()
		rows, err := ratings.ReadAll(f, filepath.Join(dir, "train.csv"))
		return rows, "train split", err
	}
	zr, err := zip.NewReader(bytes.NewReader(movielens.SmallZip), int64(len(movielens.SmallZip)))
	if err != nil {
		return nil, "", fmt.Errorf("ml-latest-small zip: %w", err)
	}
	f, err := zr.Open("ml-latest-small/ratings.csv")
	if err != nil {
		return nil, "", fmt.Errorf("ml-latest-small zip: %w", err)
	}
	defer f.Close()
	rows, err := ratings.ReadAll(f, "ml-latest-small/ratings.csv")
	return rows, "all ratings", err
}

// Synthetic returns users×perUser seeded ratings over items: Zipf-popular items,
// half-star ratings, increasing timestamps with exponential gaps (mean a day). It is
// input for timing only.
func Synthetic(users, perUser, items int) []ratings.Rating {
	r := rand.New(rand.NewPCG(42, 42))
	z := rand.NewZipf(r, 1.1, 10, uint64(items-1))
	out := make([]ratings.Rating, 0, users*perUser)
	for u := 1; u <= users; u++ {
		ts := int64(1_000_000_000 + r.IntN(500_000_000))
		for range perUser {
			ts += int64(r.ExpFloat64() * 86400)
			out = append(out, ratings.Rating{User: int32(u), Item: int32(z.Uint64() + 1),
				Rating: float32(1+r.IntN(10)) / 2, Time: ts})
		}
	}
	return out
}

// EpochResult is one timed SS4Rec epoch.
type EpochResult struct {
	Rows, Windows, Batch, Targets int
	Seconds, TrainMSE             float64
}

// Epoch trains SS4Rec (config file cfgYAML with overrides) for one epoch on rows,
// with the scans on be: every window once in a seeded order, forward, backward and
// the trainer's Adam update, no validation. It is what an epoch of trainer.TrainRun
// costs, less evaluation and checkpoints.
func Epoch(ctx context.Context, cfgYAML []byte, overrides []string, rows []ratings.Rating, be kernels.Backend) (EpochResult, error) {
	cfg, err := trainer.ParseConfig(cfgYAML, ss4rec.Name, overrides)
	if err != nil {
		return EpochResult{}, err
	}
	net, ok := cfg.Net.(*ss4rec.Net)
	if !ok {
		return EpochResult{}, fmt.Errorf("ss4rec config: net section is %T", cfg.Net)
	}
	m, err := ss4rec.New(net, rows, cfg.Seed)
	if err != nil {
		return EpochResult{}, err
	}
	m.Backend = be
	params, tc := m.Params(), cfg.Train
	opt := trainer.NewAdam(params, tc.Beta1, tc.Beta2, tc.Eps)
	order := rand.New(rand.NewPCG(cfg.Seed, 0)).Perm(m.Examples())
	start := time.Now()
	var loss trainer.Loss
	for i := 0; i < len(order); i += tc.BatchSize {
		l, err := m.Step(ctx, trainer.Batch{Index: i / tc.BatchSize, Examples: order[i:min(i+tc.BatchSize, len(order))], Seed: uint64(i)})
		if err != nil {
			return EpochResult{}, fmt.Errorf("batch %d: %w", i/tc.BatchSize, err)
		}
		loss.SumSq += l.SumSq
		loss.Count += l.Count
		opt.Update(params, tc.LR, 1)
		for _, p := range params {
			p.ZeroGrad()
		}
	}
	return EpochResult{Rows: len(rows), Windows: len(order), Batch: tc.BatchSize, Targets: loss.Count,
		Seconds: time.Since(start).Seconds(), TrainMSE: loss.SumSq / float64(max(loss.Count, 1))}, nil
}
