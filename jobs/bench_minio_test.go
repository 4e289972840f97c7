package jobs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/miniotest"
)

// benchReceiver is a webhook on a fresh MinIO bucket hosting a quality-check that
// does nothing, and a function posting one notification to it.
func benchReceiver(b *testing.B) (blob.Bucket, func(etag string) int) {
	s := miniotest.Shared(b)
	name := s.NewBucket(b)
	bucket := blob.WithRetry(s.S3(b, name, ""), blob.DefaultRetryPolicy())
	d := NewDispatcher(bucket, slog.New(slog.DiscardHandler))
	if err := d.Register(Function{Name: QualityCheck, OnEvent: func(ctx context.Context, env *Env, ev Event) error { return nil }}); err != nil {
		b.Fatal(err)
	}
	wh, err := NewWebhook(d, "bench-token", "s3://"+name, 2)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(wh)
	b.Cleanup(srv.Close)
	post := func(etag string) int {
		body := fmt.Sprintf(`{"EventName":"s3:ObjectCreated:Put","Key":"%s/%s","Records":[{"eventName":"s3:ObjectCreated:Put","s3":{"bucket":{"name":"%s"},"object":{"key":"%s","size":1,"eTag":"%s"}}}]}`,
			name, manifestKey, name, url.QueryEscape(manifestKey), etag)
		req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader([]byte(body)))
		req.Header.Set("Authorization", "Bearer bench-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	return bucket, post
}

// BenchmarkMinIOWebhookNewEvent measures one new event on MinIO from its POST to its
// marker: the answer, the run and the runtime's own writes around it.
func BenchmarkMinIOWebhookNewEvent(b *testing.B) {
	bucket, post := benchReceiver(b)
	ctx := context.Background()
	var answer time.Duration
	for i := 0; b.Loop(); i++ {
		etag := fmt.Sprintf("e%d", i)
		t0 := time.Now()
		if code := post(etag); code != http.StatusOK {
			b.Fatalf("answer %d", code)
		}
		answer += time.Since(t0)
		for {
			ok, err := blob.Exists(ctx, bucket, layout.EventMarker(QualityCheck, manifestKey, etag))
			if err != nil {
				b.Fatal(err)
			}
			if ok {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	b.ReportMetric(float64(answer.Microseconds())/float64(b.N)/1000, "answer-ms/op")
}

// BenchmarkMinIOWebhookDuplicate measures a redelivery of a handled event on MinIO:
// the receiver answers it as a duplicate.
func BenchmarkMinIOWebhookDuplicate(b *testing.B) {
	bucket, post := benchReceiver(b)
	ctx := context.Background()
	post("e")
	for {
		if ok, _ := blob.Exists(ctx, bucket, layout.EventMarker(QualityCheck, manifestKey, "e")); ok {
			break
		}
		time.Sleep(time.Millisecond)
	}
	for b.Loop() {
		if code := post("e"); code != http.StatusOK {
			b.Fatalf("answer %d", code)
		}
	}
}
