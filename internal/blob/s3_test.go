package blob_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/blob/blobtest"
	"github.com/recpipe/recpipe/internal/faultproxy"
	"github.com/recpipe/recpipe/internal/miniotest"
)

// TestMinIOConformance runs the suite on the bare S3 backend (no retries) against MinIO.
func TestMinIOConformance(t *testing.T) {
	srv := miniotest.Shared(t)
	blobtest.Run(t, func(t *testing.T) blob.Bucket { return srv.S3(t, srv.NewBucket(t), "") })
}

// TestMinIOThroughFaultsConformance runs the suite through a proxy that fails about one
// request in five (503, dropped before or after forwarding): WithRetry hides every fault.
func TestMinIOThroughFaultsConformance(t *testing.T) {
	srv := miniotest.Shared(t)
	proxy, err := faultproxy.Start(srv.Endpoint, faultproxy.Config{
		Seed: 2, UnavailableRate: 0.10, DropBeforeRate: 0.05, DropAfterRate: 0.05,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	policy := blob.RetryPolicy{
		MaxAttempts:     12,
		InitialInterval: 2 * time.Millisecond,
		MaxInterval:     50 * time.Millisecond,
		MaxElapsed:      30 * time.Second,
		Logger:          slog.New(slog.DiscardHandler),
	}
	blobtest.RunWith(t, func(t *testing.T) blob.Bucket {
		return blob.WithRetry(srv.S3(t, srv.NewBucket(t), proxy.URL()), policy)
	}, blobtest.Options{Overwrites: 10})
	counts := proxy.Counts()
	t.Logf("fault proxy: %v over %d requests", counts, len(proxy.Requests()))
	for _, f := range []faultproxy.Fault{faultproxy.Unavailable, faultproxy.DropBefore, faultproxy.DropAfter} {
		if counts[f] == 0 {
			t.Errorf("no request got fault %s: the suite did not exercise it", f)
		}
	}
}
