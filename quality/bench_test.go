package quality_test

import (
	"context"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/etl/releasetest"
	"github.com/recpipe/recpipe/quality"
)

// BenchmarkCheckDay checks one released day per op (days 1..20 in turn) of the
// benchmark dataset (synthetic-32000000 unless RECPIPE_BENCH_ROWS says otherwise;
// see releasetest.BenchBucket) and reports the peak resident memory of a day. The
// train profile is built once before timing (its cost is reported as
// profile-build-s: a one-off per prepared dataset, cached in the bucket).
//
//	RECPIPE_BENCH_DIR=/tmp/bench32 go test -run '^$' -bench CheckDay -benchtime 20x ./quality/
func BenchmarkCheckDay(b *testing.B) {
	ctx := context.Background()
	bk, ds := releasetest.BenchBucket(b)
	if _, err := (&etl.Releaser{Bucket: bk, Dataset: ds}).Simulate(ctx, etl.Days); err != nil {
		b.Fatal(err)
	}
	src, err := etl.LoadFeedSource(ctx, bk, ds)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	_, built, err := quality.LoadProfile(ctx, bk, src)
	if err != nil {
		b.Fatal(err)
	}
	profile := time.Since(start)
	c := &quality.Checker{Bucket: bk}
	var peak int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		d := i%etl.Days + 1
		runtime.GC()
		debug.FreeOSMemory()
		releasetest.ResetPeakRSS()
		b.StartTimer()
		rep, err := c.Check(ctx, d)
		if err != nil {
			b.Fatalf("day %d: %v", d, err)
		}
		b.StopTimer()
		peak = max(peak, releasetest.PeakRSS())
		if !rep.Success {
			b.Fatalf("day %d failed", d)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
	if built {
		b.ReportMetric(profile.Seconds(), "profile-build-s")
	}
}
