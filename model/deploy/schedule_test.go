package deploy

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/recpipe/recpipe/data/movielens"
	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/ncf"
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/trainer"
)

// BenchmarkRefreshSchedule chooses NCF's full-refresh schedule on validation, never on
// the feed (docs/design.md §Models): the rows of ml-latest-small before the cutoff
// (train and validation, never test) are split again by the prepared data's own rule
// (etl.SplitRows: the last 20% by time a pseudo-feed of 20 days, per-user 10%
// validation before it), a champion is trained on that pseudo-train with the
// committed config (configs/ncf.yaml), and every pseudo-day d is scored, as ab-eval
// scores the feed, by the version of the end of day d−1: the champion (or, under a
// schedule of every k days, the model fully retrained on pseudo-train plus the days up
// to the last multiple of k before d, early-stopping on the pseudo-validation) folded
// in on the pseudo-validation and every day before d, served online. It reports each
// schedule's RMSE over the pseudo-feed and the training seconds it spends:
//
//	nice go test ./model/deploy -run '^$' -bench RefreshSchedule -benchtime 1x -timeout 60m
func BenchmarkRefreshSchedule(b *testing.B) {
	ctx := context.Background()
	all, err := smallRatings()
	if err != nil {
		b.Fatal(err)
	}
	train, val, _, err := etl.SplitRows(all, etl.DefaultTestFraction, etl.DefaultValFraction)
	if err != nil {
		b.Fatal(err)
	}
	pre := append(append([]ratings.Rating{}, train...), val...) // the test period is never read
	ptrain, pval, pfeed, err := etl.SplitRows(pre, etl.DefaultTestFraction, etl.DefaultValFraction)
	if err != nil {
		b.Fatal(err)
	}
	days := make([][]ratings.Rating, layout.Days+1)
	for d := 1; d <= layout.Days; d++ {
		lo, hi := etl.DayBounds(d, len(pfeed))
		days[d] = pfeed[lo:hi]
	}
	cfgFile, err := os.ReadFile("../../configs/ncf.yaml")
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := trainer.ParseConfig(cfgFile, ncf.Name, nil)
	if err != nil {
		b.Fatal(err)
	}
	trained := map[int]*ncf.NCF{} // by the last day folded into the training rows (0: the champion)
	trainSecs := map[int]float64{}
	trainAt := func(r int) (*ncf.NCF, error) {
		if m, ok := trained[r]; ok {
			return m, nil
		}
		rows := append([]ratings.Rating{}, ptrain...)
		for h := 1; h <= r; h++ {
			rows = append(rows, days[h]...)
		}
		t0, c0 := time.Now(), cpuSeconds()
		m, sum, err := trainFresh(ctx, cfg, rows, pval)
		if err != nil {
			return nil, err
		}
		trained[r], trainSecs[r] = m, cpuSeconds()-c0
		b.Logf("trained on pseudo-train + days 1..%d (%d rows): %d epochs (best %d), %.1f CPU-s, %.1f s wall",
			r, len(rows), sum.Epochs, sum.BestEpoch, trainSecs[r], time.Since(t0).Seconds())
		return m, nil
	}
	champ, err := trainAt(0)
	if err != nil {
		b.Fatal(err)
	}
	tuning, err := champ.TuneFoldIn(ctx, ptrain, pval)
	if err != nil {
		b.Fatal(err)
	}
	for _, every := range []int{0, 10, 5, 2} { // DefaultFullRefreshEvery is the choice
		name := "never"
		if every > 0 {
			name = fmt.Sprintf("every=%d", every)
		}
		b.Run(name, func(b *testing.B) {
			var se float64
			var n int
			refreshes := map[int]bool{}
			for range b.N {
				se, n = 0, 0
				for d := 1; d <= layout.Days; d++ {
					r := 0
					if every > 0 {
						r = (d - 1) / every * every // the last refresh day before d
					}
					base, err := trainAt(r)
					if err != nil {
						b.Fatal(err)
					}
					if r > 0 {
						refreshes[r] = true
					}
					rows := append([]ratings.Rating{}, pval...)
					hist := scoring.NewHistory(ptrain, pval)
					for h := 1; h < d; h++ {
						rows = append(rows, days[h]...)
						hist.Add(days[h])
					}
					hist.Add(days[d]) // the row rule: earlier rows of the day are history
					m, _, _, err := base.FoldIn(rows, tuning.Lambdas)
					if err != nil {
						b.Fatal(err)
					}
					var seen int64
					for _, x := range rows {
						seen = max(seen, x.Time)
					}
					p := &ncf.Online{M: m, Cutoff: seen, Lambdas: tuning.Lambdas}
					pred, err := p.Predict(ctx, hist, days[d])
					if err != nil {
						b.Fatal(err)
					}
					for i, x := range days[d] {
						e := float64(pred[i]) - float64(x.Rating)
						se += e * e
						n++
					}
				}
			}
			var secs float64
			for r := range refreshes {
				secs += trainSecs[r]
			}
			b.ReportMetric(math.Sqrt(se/float64(n)), "pseudo_feed_rmse")
			b.ReportMetric(float64(len(refreshes)), "full_refreshes")
			b.ReportMetric(secs, "refresh_train_cpu_s")
		})
	}
}

// cpuSeconds is the process's user and system CPU time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// smallRatings are every rating of the shipped ml-latest-small.
func smallRatings() ([]ratings.Rating, error) {
	zr, err := zip.NewReader(bytes.NewReader(movielens.SmallZip), int64(len(movielens.SmallZip)))
	if err != nil {
		return nil, err
	}
	f, err := zr.Open("ml-latest-small/ratings.csv")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	return ratings.ReadAll(bytes.NewReader(data), "ml-latest-small/ratings.csv")
}
