package scoring

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/recpipe/recpipe/internal/ratings"
)

// BenchmarkTunedBaselines times the baselines' grid search (64 bias fits, each scored
// with 8 priors) on SCORING_BENCH_ROWS training rows (default 2,000,000; ML-32M's train
// is 25.6M) from 12,000 users over 40,000 items, and a tenth as many validation rows:
//
//	go test ./model/scoring -run '^$' -bench TunedBaselines -benchtime 1x
func BenchmarkTunedBaselines(b *testing.B) {
	n := 2_000_000
	if v, err := strconv.Atoi(os.Getenv("SCORING_BENCH_ROWS")); err == nil {
		n = v
	}
	rng := rand.New(rand.NewPCG(5, 6))
	gen := func(rows int, t0 int64) []ratings.Rating {
		out := make([]ratings.Rating, rows)
		for k := range out {
			out[k] = ratings.Rating{User: int32(1 + rng.IntN(12000)), Item: int32(1 + rng.IntN(40000)),
				Rating: float32(1+rng.IntN(10)) / 2, Time: t0 + int64(k)}
		}
		return out
	}
	train, val := gen(n, 0), gen(n/10, int64(n))
	b.ResetTimer()
	for b.Loop() {
		if os.Getenv("SCORING_BENCH_REF") != "" {
			refTunedBaselines(context.Background(), train, val)
			continue
		}
		if _, _, err := TunedBaselines(context.Background(), train, val); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "train-rows")
}
