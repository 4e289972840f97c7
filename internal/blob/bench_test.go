package blob_test

import (
	"flag"
	"io"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/miniotest"
)

var largeMB = flag.Int("blob.large-mb", 64, "size of the object BenchmarkPutLarge writes, in MiB")

// rows is an endless, non-seekable stream of CSV-like rows.
type rows struct{ off int }

var rowBlock = func() []byte {
	const line = "123456,7890,4.5,1234567890\n"
	var b []byte
	for len(b) < 64<<10 {
		b = append(b, line...)
	}
	return b
}()

func (r *rows) Read(p []byte) (int, error) {
	n := copy(p, rowBlock[r.off:])
	r.off = (r.off + n) % len(rowBlock)
	return n, nil
}

// BenchmarkPutLarge streams a large non-seekable body into each backend and reports the
// throughput and the peak Go heap (the body must not be held in memory):
//
//	scripts/with-minio.sh go test -run '^$' -bench PutLarge -benchtime 1x ./internal/blob/ -args -blob.large-mb 800
func BenchmarkPutLarge(b *testing.B) {
	backends := map[string]func(b *testing.B) blob.Bucket{
		"file": func(b *testing.B) blob.Bucket {
			f, err := blob.NewFile(b.TempDir(), "file://bench")
			if err != nil {
				b.Fatal(err)
			}
			return f
		},
		"minio": func(b *testing.B) blob.Bucket { return miniotest.Bucket(b) },
	}
	for _, name := range []string{"file", "minio"} {
		b.Run(name, func(b *testing.B) {
			bkt := backends[name](b)
			size := int64(*largeMB) << 20
			b.SetBytes(size)
			peak := watchHeap(b)
			for b.Loop() {
				a, err := bkt.Put(b.Context(), "big.csv", io.LimitReader(&rows{}, size), blob.PutOptions{})
				if err != nil || a.Size != size {
					b.Fatalf("put: %+v, %v", a, err)
				}
			}
			b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MiB")
		})
	}
}

// watchHeap samples the heap in use until the benchmark ends and returns the peak.
func watchHeap(b *testing.B) func() uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	b.Cleanup(func() { close(done) })
	return func() uint64 { return peak.Load() }
}
