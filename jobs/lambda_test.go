package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
)

func TestS3Handler(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("event", "testdata", "s3-put-escaped.json"))
	if err != nil {
		t.Fatal(err)
	}
	var e events.S3Event // as the Lambda runtime decodes it
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	var failures atomic.Int64 // the next runs that fail
	log, _ := testLogger(t)
	b := blob.NewMem()
	d := NewDispatcher(b, log)
	d.SetOptions(DeliveryOptions{Retry: RetryPolicy{MaxAttempts: 3, Initial: time.Millisecond}})
	if err := d.Register(Function{Name: QualityCheck, OnEvent: func(ctx context.Context, env *Env, ev Event) error {
		n.Add(1)
		if failures.Add(-1) >= 0 {
			return errors.New("transient")
		}
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	other := e
	other.Records = slices.Clone(e.Records)
	other.Records[0].S3.Object.ETag = "another-version"
	tests := []struct {
		name     string
		event    events.S3Event
		bucket   string
		failures int64
		wantErr  bool
		runs     int64
	}{
		{"two failures are retried in the invocation", e, "s3://recpipe-data", 2, false, 3},
		{"duplicate runs nothing", e, "s3://recpipe-data", 0, false, 3},
		{"other bucket ignored", e, "s3://elsewhere", 5, false, 3},
		{"keeps failing: given up, Lambda sees the error", other, "s3://recpipe-data", 5, true, 6},
		{"Lambda's retry of a given-up event fails without a run", other, "s3://recpipe-data", 0, true, 6},
	}
	for _, tt := range tests {
		failures.Store(tt.failures)
		err := S3Handler(d, tt.bucket)(ctx, tt.event)
		if (err != nil) != tt.wantErr || n.Load() != tt.runs {
			t.Errorf("%s: err %v after %d runs, want error %v after %d", tt.name, err, n.Load(), tt.wantErr, tt.runs)
		}
	}
	var m Marker
	key, _ := url.QueryUnescape(other.Records[0].S3.Object.Key)
	if err := blob.ReadJSON(ctx, b, layout.EventMarker(QualityCheck, key, "another-version"), &m); err != nil || !m.GaveUp || m.Attempts != 3 || m.Status != StatusFailed {
		t.Errorf("given-up marker %+v, %v", m, err)
	}
}
