package abtest

import (
	"context"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/ncf"
	"github.com/recpipe/recpipe/model/scoring"
)

// synthDay makes a day shaped like a day of synthetic-32000000 (320,000 rows from
// about 2,300 users, measured on that dataset's day 1) with a training history.
func synthDay(rows, users, trainRows int) (train, day []ratings.Rating) {
	rng := rand.New(rand.NewPCG(11, 12))
	const items = 80000
	bias := make([]float64, users+1)
	for u := range bias {
		bias[u] = rng.NormFloat64() * 0.5
	}
	rate := func(u, it int) float32 {
		v := 3.5 + bias[u] + 0.3*math.Sin(float64(it)) + rng.NormFloat64()*0.8
		return float32(math.Min(5, math.Max(0.5, math.Round(v*2)/2)))
	}
	ts := int64(1e9)
	for range trainRows {
		u, it := 1+rng.IntN(users), 1+rng.IntN(items)
		ts++
		train = append(train, ratings.Rating{User: int32(u), Item: int32(it), Rating: rate(u, it), Time: ts})
	}
	for range rows {
		// Heavy users: a power law over the day's users.
		u := 1 + int(float64(users)*math.Pow(rng.Float64(), 2))
		it := 1 + rng.IntN(items)
		ts++
		day = append(day, ratings.Rating{User: int32(min(u, users)), Item: int32(it), Rating: rate(min(u, users), it), Time: ts})
	}
	return train, day
}

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil {
		return v
	}
	return def
}

// BenchmarkEvaluateDay times one day's evaluation (scoring by A, B and the three
// baselines, the ranking metrics, and the paired statistics with 10,000 resamples) on
// a day of 320,000 rows (AB_BENCH_ROWS, AB_BENCH_USERS, AB_BENCH_TRAIN override). A and
// B are the user+item and history-aware bias baselines, or, with AB_BENCH_BUCKET set,
// the ncf and ss4rec champions saved in that bucket (their inference cost on the day's
// shape; the synthetic ids are unseen by them, so they score through their fallbacks),
// NCF served online as ab-eval serves it, with its frozen champion beside it:
//
//	go test ./abtest -run '^$' -bench 'EvaluateDay$' -benchtime=1x
//
// BenchmarkEvaluateDayOfBucket measures the same on a real feed instead.
func BenchmarkEvaluateDay(b *testing.B) {
	train, day := synthDay(envInt("AB_BENCH_ROWS", 320000), envInt("AB_BENCH_USERS", 2300), envInt("AB_BENCH_TRAIN", 2000000))
	ctx := context.Background()
	base, err := scoring.Baselines(train)
	if err != nil {
		b.Fatal(err)
	}
	hist := scoring.NewHistory(train, day)
	scorers := []Scorer{{Role: RoleA, P: base[1]}, {Role: RoleB, P: base[2]}}
	if url := os.Getenv("AB_BENCH_BUCKET"); url != "" {
		bk, err := blob.Open(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		defer bk.Close()
		for i, m := range []string{"ncf", "ss4rec"} {
			p, _, err := scoring.LoadPredictor(ctx, bk, m)
			if err != nil {
				b.Fatal(err)
			}
			scorers[i].P = p
		}
	}
	for _, p := range base {
		scorers = append(scorers, Scorer{Role: RoleBaseline, P: p})
	}
	if m, ok := scorers[0].P.(*ncf.NCF); ok {
		// As ab-eval serves it: deployed, every user refit online on the day's earlier
		// rows (fold-in strengths fixed here), the frozen champion beside it.
		l := ncf.Lambdas{Returning: 10, New: 10}
		scorers[0].P = &ncf.Online{M: m, UserCutoff: ncf.UserCutoffs(train), Lambdas: l}
		scorers = append(scorers, Scorer{Role: RoleReference, P: renamed{m, m.Name() + FrozenSuffix}})
	}
	benchScoreDay(b, hist, day, IndexTrain(train, nil), scorers, "a", "b")
}

// BenchmarkEvaluateDayOfBucket times one day's evaluation as ab-eval --day does it,
// on a bucket where the feed has run (AB_BENCH_BUCKET, dataset AB_BENCH_DATASET, day
// AB_BENCH_DAY, default 2): NCF served as deployed (the version of the day before,
// refit online) against the ss4rec champion, with the frozen NCF and the three tuned
// baselines beside them, the history every released day up to the scored one. What
// the timer leaves out is ab-eval's per-process setup (reading train and validation,
// the history, tuning the baselines and the fold-in, building the version), which
// scripts/bench-life.sh reports with the whole process:
//
//	BENCH_LIFE_SCALE=1 BENCH_LIFE_KEEP=1 BENCH_LIFE_DIR=/tmp/life scripts/bench-life.sh
//	AB_BENCH_BUCKET=file:///tmp/life AB_BENCH_DATASET=synthetic-32000000 \
//	  go test ./abtest -run '^$' -bench EvaluateDayOfBucket -benchtime=1x
func BenchmarkEvaluateDayOfBucket(b *testing.B) {
	url := os.Getenv("AB_BENCH_BUCKET")
	if url == "" || os.Getenv("AB_BENCH_DATASET") == "" {
		b.Skip("AB_BENCH_BUCKET and AB_BENCH_DATASET name a bucket where the feed has run")
	}
	ctx := context.Background()
	bk, err := blob.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer bk.Close()
	opt := DefaultOptions()
	opt.Dataset, opt.Load = os.Getenv("AB_BENCH_DATASET"), scoring.LoadPredictor
	e := &Evaluator{Bucket: bk, Opt: opt, Log: slog.New(slog.DiscardHandler)}
	d := envInt("AB_BENCH_DAY", 2)
	st, err := e.load(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for h := 1; h <= d; h++ {
		if err := e.addBatch(ctx, st, h); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := e.serveDeployed(ctx, st, d); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(st.scorers)), "scorers")
	benchScoreDay(b, st.hist, st.batches[d], st.trainIx, st.scorers, st.models.A.Name, st.models.B.Name)
}

// benchScoreDay times ScoreDay and Compare of one day.
func benchScoreDay(b *testing.B, hist *scoring.History, day []ratings.Rating, ix TrainIndex, scorers []Scorer, a, bName string) {
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		sc, err := ScoreDay(ctx, hist, day, ix, scorers)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Compare(sc.Units, DefaultStats, a, bName); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(sc.Population.Users), "users")
	}
	b.ReportMetric(float64(len(day)), "rows/day")
}

// BenchmarkBootstrap times the paired statistics alone on AB_BENCH_USERS users
// (default 45,000: the order of the distinct users of 20 days of synthetic-32000000).
func BenchmarkBootstrap(b *testing.B) {
	n := envInt("AB_BENCH_USERS", 45000)
	users := make([]int32, n)
	for i := range users {
		users[i] = int32(i + 1)
	}
	u := NewUnits(users)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range users {
		r := u.Row(i)
		r[WRows], r[WRank] = float64(1+rng.IntN(200)), float64(rng.IntN(3))
		for m := range Metrics {
			r[aIdx(m)], r[bIdx(m)] = rng.Float64()*r[Metrics[m].Weight], rng.Float64()*r[Metrics[m].Weight]
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Compare(u, DefaultStats, "a", "b"); err != nil {
			b.Fatal(err)
		}
	}
}
