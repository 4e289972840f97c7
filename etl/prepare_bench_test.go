package etl_test

import (
	"bufio"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/blob"
)

// BenchmarkPrepareSynthetic32M runs prepare --synthetic-rows 32000000 (ML-32M scale)
// into a file:// bucket in a temporary folder and reports the process's peak resident
// memory. Target (issue 3): <= 60 s and <= 3 GiB on 2 cores. Run it alone:
//
//	go test ./etl -run '^$' -bench PrepareSynthetic32M -benchtime 1x
//
// RECPIPE_BENCH_ROWS overrides the row count (e.g. 4000000 for a quick look).
func BenchmarkPrepareSynthetic32M(b *testing.B) {
	rows := 32_000_000
	if v := os.Getenv("RECPIPE_BENCH_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("RECPIPE_BENCH_ROWS=%q: %v", v, err)
		}
		rows = n
	}
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		bucket, err := blob.NewFile(b.TempDir(), "file://bench")
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := etl.Prepare(ctx, bucket, etl.Options{SyntheticRows: rows})
		if err != nil {
			b.Fatal(err)
		}
		if res.Manifest.Ratings != rows {
			b.Fatalf("%d ratings, want %d", res.Manifest.Ratings, rows)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if hwm := prepPeakRSS(); hwm > 0 {
		b.ReportMetric(float64(hwm)/(1<<20), "peak-MiB")
	}
}

// prepPeakRSS is the process's peak resident set (VmHWM) in bytes, 0 where unknown.
func prepPeakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
