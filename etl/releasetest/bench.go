package releasetest

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/blob"
)

// DefaultBenchRows is the size of the benchmark dataset: synthetic-32000000, the
// ML-32M scale (6.4M test rows, 320k a day).
const DefaultBenchRows = 32_000_000

// BenchBucket opens the bucket of the feed benchmarks and makes sure it holds the
// prepared synthetic-N dataset (N = $RECPIPE_BENCH_ROWS, default 32,000,000), made
// by prepare's own generator (etl.Prepare with SyntheticRows). The bucket is the
// folder $RECPIPE_BENCH_DIR, kept between runs so the one-off prepare (about a
// minute at 32M rows) is paid once; without it, a temporary folder.
func BenchBucket(b *testing.B) (blob.Bucket, string) {
	b.Helper()
	ctx := context.Background()
	rows := DefaultBenchRows
	if v, err := strconv.Atoi(os.Getenv("RECPIPE_BENCH_ROWS")); err == nil && v > 0 {
		rows = v
	}
	dir := os.Getenv("RECPIPE_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	bk, err := blob.Open(ctx, "file://"+dir)
	if err != nil {
		b.Fatal(err)
	}
	res, err := etl.Prepare(ctx, bk, etl.Options{SyntheticRows: rows})
	if err != nil {
		b.Fatal(err)
	}
	return bk, res.Manifest.Dataset
}

// ResetPeakRSS resets the process's resident-memory high-water mark (Linux), so
// that PeakRSS then measures one piece of work. It reports whether it could.
func ResetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// PeakRSS returns the process's resident-memory high-water mark (VmHWM) in bytes,
// or 0 where /proc is not available.
func PeakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmHWM:")); ok {
			kb, _ := strconv.ParseInt(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(v), []byte("kB")))), 10, 64)
			return kb << 10
		}
	}
	return 0
}
