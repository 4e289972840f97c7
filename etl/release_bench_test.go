package etl_test

import (
	"context"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/etl/releasetest"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
)

// BenchmarkReleaseDay releases one day per op (days 1..20 in turn) from the
// benchmark dataset (synthetic-32000000 unless RECPIPE_BENCH_ROWS says otherwise;
// see releasetest.BenchBucket) and reports the peak resident memory of a day:
//
//	RECPIPE_BENCH_DIR=/tmp/bench32 go test -run '^$' -bench ReleaseDay -benchtime 20x ./etl/
func BenchmarkReleaseDay(b *testing.B) {
	ctx := context.Background()
	bk, ds := releasetest.BenchBucket(b)
	clearPrefix(b, bk, "etl/")
	r := &etl.Releaser{Bucket: bk, Dataset: ds}
	var peak, rows int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		d := i%etl.Days + 1
		clearPrefix(b, bk, layout.ETLDay(layout.Day(d)))
		runtime.GC()
		debug.FreeOSMemory()
		releasetest.ResetPeakRSS()
		b.StartTimer()
		m, out, err := r.Release(ctx, d)
		if err != nil || out != etl.Released {
			b.Fatalf("day %d: %v %v", d, out, err)
		}
		b.StopTimer()
		peak = max(peak, releasetest.PeakRSS())
		rows += int64(m.Rows + m.Rejected)
		b.StartTimer()
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(float64(rows)/float64(b.N), "rows/day")
}

func clearPrefix(b *testing.B, bk blob.Bucket, prefix string) {
	list, err := bk.List(context.Background(), prefix)
	if err != nil {
		b.Fatal(err)
	}
	for _, a := range list {
		if err := bk.Delete(context.Background(), a.Key); err != nil {
			b.Fatal(err)
		}
	}
}
