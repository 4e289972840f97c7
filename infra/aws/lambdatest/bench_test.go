package lambdatest

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/jobs"
	_ "github.com/recpipe/recpipe/model/all" // NCF and SS4Rec can be trained
	"github.com/recpipe/recpipe/model/trainer"
)

// BenchmarkEmulatorScale measures both functions under the emulator at ML-32M scale,
// the figures behind the template's MemorySize and Timeout (make lambda-bench):
//
//   - prepare --synthetic-rows N (RECPIPE_LAMBDA_BENCH_ROWS, default 32,000,000) and
//     etl-day --simulate 20 write the dataset and its 20 days into MinIO;
//   - quality-check is invoked, as its events would, on day 1 (a cold start that also
//     builds the train profile) and then days 2..20 (warm);
//   - the committed NCF and SS4Rec configs (configs/*.yaml) are trained one epoch on
//     each user's last RECPIPE_LAMBDA_BENCH_HISTORY (default 10) training ratings,
//     SS4Rec on those of the first RECPIPE_LAMBDA_BENCH_SS4REC_USERS users (default
//     20,000; validation and test rows of the same users), and promoted. The
//     inference cost ab-eval pays depends on the nets, not on how long they trained
//     (SS4Rec scores every user through its history window, trained or not), and
//     training both on all 25M training rows takes hours on two cores;
//   - ab-eval is invoked with the SS4Rec champion's event (a cold start that
//     re-evaluates all 20 days), then with the NCF champion's (the same, warm).
//
// The functions get the template's environment plus DATASET (ab-eval compares on
// ml-latest-small unless told otherwise) and an emulator timeout of an hour, so that
// the measured time is not cut at the template's. Reported: the invocations as the
// caller saw them, and each run's wall time, CPU seconds and peak RSS from its record.
//
//	make lambda-bench      # scripts/with-minio.sh go test -run '^$' -bench EmulatorScale -benchtime 1x ./infra/aws/lambdatest
func BenchmarkEmulatorScale(b *testing.B) {
	tl := needTools(b)
	rows := envInt("RECPIPE_LAMBDA_BENCH_ROWS", 32_000_000)
	history, ssUsers := envInt("RECPIPE_LAMBDA_BENCH_HISTORY", 10), envInt("RECPIPE_LAMBDA_BENCH_SS4REC_USERS", 20_000)
	dataset := fmt.Sprintf("synthetic-%d", rows)
	s := newSite(b)
	ctx := context.Background()
	cli := func(name string, args ...string) {
		b.Helper()
		t0 := time.Now()
		runCLI(b, tl, s, name, append(args, "--bucket", s.url(lambdaPrefix, ""))...)
		b.Logf("%s done in %s", name, time.Since(t0).Round(time.Second))
	}
	cli("prepare", "--synthetic-rows", strconv.Itoa(rows))
	cli("etl-day", "--dataset", dataset, "--simulate", strconv.Itoa(layout.Days))

	start := func(name string) (*Emulator, Function) {
		fn := emulated(b, s, name, s.srv.Endpoint)
		fn.Env["DATASET"] = dataset
		fn.Timeout = time.Hour
		e, err := Start(ctx, Options{
			RIE: tl.rie, Zip: filepath.Join(tl.dist, name+".zip"), Function: fn, Dir: b.TempDir(),
			Env: map[string]string{"AWS_ACCESS_KEY_ID": s.srv.AccessKey, "AWS_SECRET_ACCESS_KEY": s.srv.SecretKey, "AWS_REGION": s.srv.Region},
		})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { e.Close() })
		return e, fn
	}
	invoke := func(e *Emulator, fn string, key string) (*Invocation, *jobs.Record) {
		b.Helper()
		before := s.runRecords(b, fn)
		body, err := S3Event(time.Now(), s.object(b, key))
		if err != nil {
			b.Fatal(err)
		}
		inv, err := e.Invoke(ctx, body)
		if err != nil {
			b.Fatal(err)
		}
		if !inv.OK() {
			b.Fatalf("%s for %s: %s\n%s", fn, key, inv, tail(inv.Log, 4000))
		}
		runs := newRecords(before, s.runRecords(b, fn))
		if len(runs) != 1 {
			b.Fatalf("%s for %s: %d new run records, want 1", fn, key, len(runs))
		}
		r := runs[0]
		b.Logf("%s %s: invocation %s (init %s); run %s: wall %.1fs, CPU %.1fs, peak RSS %d MiB",
			fn, key, inv.Elapsed.Round(time.Millisecond), inv.Init.Round(time.Millisecond), r.Status,
			r.Usage.WallSeconds, r.Usage.CPUSeconds, r.Usage.PeakRSSBytes>>20)
		return inv, r
	}

	b.ResetTimer()
	for b.Loop() {
		qc, qfn := start(jobs.QualityCheck)
		var warm []float64
		var qPeak int64
		var qCold *Invocation
		for d := 1; d <= layout.Days; d++ {
			inv, r := invoke(qc, jobs.QualityCheck, layout.ETLManifest(layout.Day(d)))
			qPeak = max(qPeak, r.Usage.PeakRSSBytes)
			if d == 1 {
				qCold = inv
				b.ReportMetric(inv.Elapsed.Seconds(), "qc_cold_s")
				b.ReportMetric(r.Usage.CPUSeconds, "qc_cold_cpu_s")
				continue
			}
			warm = append(warm, inv.Elapsed.Seconds())
		}
		slices.Sort(warm)
		b.ReportMetric(warm[len(warm)/2], "qc_warm_median_s")
		b.ReportMetric(warm[len(warm)-1], "qc_warm_max_s")
		b.ReportMetric(float64(qPeak>>20), "qc_peak_MiB")

		b.StopTimer()
		trainChampions(b, s.lambda, dataset, history, ssUsers)
		b.StartTimer()

		ab, afn := start(jobs.ABEval)
		cold, rc := invoke(ab, jobs.ABEval, layout.Champion("ss4rec"))
		warmAB, rw := invoke(ab, jobs.ABEval, layout.Champion("ncf"))
		b.ReportMetric(cold.Elapsed.Seconds(), "ab20_cold_s")
		b.ReportMetric(rc.Usage.CPUSeconds, "ab20_cold_cpu_s")
		b.ReportMetric(warmAB.Elapsed.Seconds(), "ab20_warm_s")
		b.ReportMetric(float64(max(rc.Usage.PeakRSSBytes, rw.Usage.PeakRSSBytes)>>20), "ab_peak_MiB")
		b.Logf("EMULATOR SCALE %s: quality-check (template %d MB, %s) day 1 cold %s (init %s), days 2-20 warm median %.1fs max %.1fs, peak RSS %d MiB; "+
			"ab-eval (template %d MB, %s) 20-day re-evaluation cold %s (init %s, CPU %.0fs), warm %s (CPU %.0fs), peak RSS %d MiB",
			dataset, qfn.MemoryMB, tmplTimeout(jobs.QualityCheck), qCold.Elapsed.Round(time.Second), qCold.Init.Round(time.Millisecond),
			warm[len(warm)/2], warm[len(warm)-1], qPeak>>20,
			afn.MemoryMB, tmplTimeout(jobs.ABEval), cold.Elapsed.Round(time.Second), cold.Init.Round(time.Millisecond), rc.Usage.CPUSeconds,
			warmAB.Elapsed.Round(time.Second), rw.Usage.CPUSeconds, max(rc.Usage.PeakRSSBytes, rw.Usage.PeakRSSBytes)>>20)
	}
}

func tmplTimeout(name string) time.Duration {
	f, err := TemplateFunction(name, map[string]string{"BucketName": "b", "KeyPrefix": ""})
	if err != nil {
		return 0
	}
	return f.Timeout
}

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil && v > 0 {
		return v
	}
	return def
}

// trainChampions trains the committed NCF and SS4Rec configs for one epoch on each
// user's last history training ratings of dataset, SS4Rec only those of users
// 1..ssUsers (and their validation and test rows), and promotes them.
func trainChampions(b *testing.B, bk blob.Bucket, dataset string, history, ssUsers int) {
	ctx := context.Background()
	data := &trainer.Data{}
	var err error
	for _, sp := range []struct {
		name string
		dst  *[]ratings.Rating
	}{{etl.SplitTrain, &data.Train}, {etl.SplitVal, &data.Val}, {etl.SplitTest, &data.Test}} {
		if *sp.dst, err = etl.ReadSplit(ctx, bk, dataset, sp.name); err != nil {
			b.Fatal(err)
		}
	}
	all := len(data.Train)
	data.Train = lastPerUser(data.Train, history)
	firstUsers := func(rows []ratings.Rating) []ratings.Rating {
		return slices.DeleteFunc(slices.Clone(rows), func(r ratings.Rating) bool { return int(r.User) > ssUsers })
	}
	ss := &trainer.Data{Train: firstUsers(data.Train), Val: firstUsers(data.Val), Test: firstUsers(data.Test)}
	for _, m := range []string{"ncf", "ss4rec"} {
		d := data
		if m == "ss4rec" {
			d = ss
		}
		b.Logf("champion %s: training on %d of %d training ratings (each user's last %d), %d validation, %d test",
			m, len(d.Train), all, history, len(d.Val), len(d.Test))
		file, err := os.ReadFile(filepath.Join("..", "..", "..", "configs", m+".yaml"))
		if err != nil {
			b.Fatal(err)
		}
		cfg, err := trainer.ParseConfig(file, m, []string{"dataset=" + dataset, "train.epochs=1"})
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		sum, err := trainer.TrainRun(ctx, bk, cfg, d, trainer.RunOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := trainer.Promote(ctx, bk, sum); err != nil {
			b.Fatal(err)
		}
		b.Logf("champion %s: trained and promoted in %s (%d parameters)", m, time.Since(t0).Round(time.Second), sum.Parameters)
	}
}

// lastPerUser keeps each user's last n ratings in time (ties by item), in the order
// of the input's users and times.
func lastPerUser(rows []ratings.Rating, n int) []ratings.Rating {
	s := slices.Clone(rows)
	slices.SortStableFunc(s, func(a, b ratings.Rating) int {
		return cmp.Or(cmp.Compare(a.User, b.User), cmp.Compare(a.Time, b.Time), cmp.Compare(a.Item, b.Item))
	})
	out := s[:0]
	for i := range s {
		if i+n >= len(s) || s[i+n].User != s[i].User {
			out = append(out, s[i])
		}
	}
	return slices.Clip(out)
}
