package jobs

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7/pkg/notification"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/miniotest"
)

// A real MinIO posts its notifications to Webhook: a committed manifest runs
// quality-check, whose report runs ab-eval, through events alone; re-uploading the same
// bytes runs nothing. Skipped without a MinIO binary (see internal/miniotest).
func TestWebhookWithMinIO(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a MinIO server")
	}
	const target, token = "JOBSTEST", "webhook-token-for-the-test"
	log, logs := testLogger(t)
	d := NewDispatcher(nil, log) // the bucket is set once the server is up
	chain(t, d)
	// The receiver exists before MinIO starts: MinIO checks its targets at startup.
	wh := &lateWebhook{}
	srv := httptest.NewServer(wh)
	defer srv.Close()

	s := miniotest.Start(t, map[string]string{
		"MINIO_NOTIFY_WEBHOOK_ENABLE_" + target:     "on",
		"MINIO_NOTIFY_WEBHOOK_ENDPOINT_" + target:   srv.URL + "/minio/events",
		"MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_" + target: token,
	})
	name := s.NewBucket(t)
	cfg := notification.Configuration{}
	arn := notification.NewArn("minio", "sqs", "", target, "webhook")
	for _, r := range Routes {
		q := notification.NewConfig(arn)
		q.AddEvents(notification.ObjectCreatedAll)
		q.AddFilterPrefix(r.Prefix)
		q.AddFilterSuffix(r.Suffix)
		cfg.AddQueue(q)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// MinIO registers its webhook target shortly after it starts answering: until
	// then the ARN is unknown.
	for {
		err := s.Client(t).SetBucketNotification(ctx, name, cfg)
		if err == nil {
			break
		}
		if !strings.Contains(err.Error(), "ARN") || ctx.Err() != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	b := blob.WithRetry(s.S3(t, name, ""), blob.DefaultRetryPolicy())
	d.bucket = b
	w, err := NewWebhook(d, token, "s3://"+name, 2)
	if err != nil {
		t.Fatal(err)
	}
	wh.set(w)

	start := time.Now()
	put(t, b, "etl/day=01/batch.csv", "userId,movieId,rating,timestamp\n")
	manifest := put(t, b, "etl/day=01/_manifest.json", `{"day":1}`)
	waitFor(ctx, t, b, "abtest/day=01/result.json")
	t.Logf("manifest commit to A/B result through MinIO events: %s", time.Since(start).Round(time.Millisecond))

	// The same bytes again: MinIO notifies, the marker turns it away.
	put(t, b, "etl/day=01/_manifest.json", `{"day":1}`)
	for !strings.Contains(logs.String(), `"msg":"duplicate event: already handled","function":"quality-check","key":"etl/day=01/_manifest.json"`) {
		select {
		case <-ctx.Done():
			t.Fatalf("the redelivered manifest was not turned away: %s", logs)
		case <-time.After(50 * time.Millisecond):
		}
	}
	put(t, b, "etl/day=02/_manifest.json", `{"day":2}`)
	waitFor(ctx, t, b, "abtest/day=02/result.json")
	runs, err := ListRuns(ctx, b, QualityCheck)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 {
		t.Errorf("%d quality-check runs, want 2 (day 1 once, day 2)", len(runs))
	}
	if ok, _ := blob.Exists(ctx, b, layout.EventMarker(QualityCheck, "etl/day=01/_manifest.json", manifest.ETag)); !ok {
		t.Error("no event marker under the ETag S3 gave the manifest")
	}
}

// lateWebhook answers 503 until its Webhook is set.
type lateWebhook struct{ w atomic.Pointer[Webhook] }

func (l *lateWebhook) set(w *Webhook) { l.w.Store(w) }

func (l *lateWebhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if w := l.w.Load(); w != nil {
		w.ServeHTTP(rw, r)
		return
	}
	rw.WriteHeader(http.StatusServiceUnavailable)
}

func waitFor(ctx context.Context, t *testing.T, b blob.Bucket, key string) {
	t.Helper()
	for {
		if ok, _ := blob.Exists(ctx, b, key); ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s did not appear: %v", key, fmt.Errorf("waiting: %w", ctx.Err()))
		case <-time.After(50 * time.Millisecond):
		}
	}
}
