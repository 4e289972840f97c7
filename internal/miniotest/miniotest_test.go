package miniotest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7/pkg/notification"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/miniotest"
)

func TestBucketIsFreshAndWorks(t *testing.T) {
	a, b := miniotest.Bucket(t), miniotest.Bucket(t)
	if a.URL() == b.URL() {
		t.Fatalf("two buckets share %s", a.URL())
	}
	if _, err := blob.PutBytes(t.Context(), a, "k", []byte("v"), blob.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if ls, err := b.List(t.Context(), ""); err != nil || len(ls) != 0 {
		t.Errorf("fresh bucket lists %v, %v", ls, err)
	}
	if !regexp.MustCompile(`^s3://t-testbucketisfreshandworks-[0-9a-f]{12}\?endpoint=`).MatchString(a.URL()) {
		t.Errorf("bucket URL %q", a.URL())
	}
}

// TestStartWithWebhook starts a dedicated MinIO whose extra environment configures a
// webhook target, binds a bucket to it, and sees the event of a write arrive.
func TestStartWithWebhook(t *testing.T) {
	got := make(chan string, 16)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev struct{ EventName, Key string }
		if json.Unmarshal(body, &ev) == nil && ev.Key != "" {
			got <- ev.EventName + " " + ev.Key
		}
	}))
	defer hook.Close()
	srv := miniotest.Start(t, map[string]string{
		"MINIO_NOTIFY_WEBHOOK_ENABLE_RECPIPE":   "on",
		"MINIO_NOTIFY_WEBHOOK_ENDPOINT_RECPIPE": hook.URL + "/events",
	})
	name := srv.NewBucket(t)
	cfg := notification.Configuration{}
	arn, _ := notification.NewArnFromString("arn:minio:sqs::RECPIPE:webhook")
	q := notification.NewConfig(arn)
	q.AddEvents(notification.ObjectCreatedAll)
	q.AddFilterSuffix("_manifest.json")
	cfg.AddQueue(q)
	// The server registers its notification targets a moment after it is live.
	var err error
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err = srv.Client(t).SetBucketNotification(t.Context(), name, cfg); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("bind notifications (is the extra environment applied?): %v", err)
	}
	b := srv.S3(t, name, "")
	blob.PutBytes(t.Context(), b, "etl/day=01/batch.csv", []byte("x"), blob.PutOptions{})
	blob.PutBytes(t.Context(), b, "etl/day=01/_manifest.json", []byte("{}"), blob.PutOptions{})
	select {
	case ev := <-got:
		key, _ := url.QueryUnescape(ev[strings.Index(ev, " ")+1:])
		if !strings.HasPrefix(ev, "s3:ObjectCreated:") || key != name+"/etl/day=01/_manifest.json" {
			t.Errorf("event %q (key %q)", ev, key)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no webhook event within 20s")
	}
}
