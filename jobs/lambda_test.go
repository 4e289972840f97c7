package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/jobs/event"
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
	var fail atomic.Bool
	fail.Store(true)
	log, _ := testLogger(t)
	d := NewDispatcher(blob.NewMem(), log)
	if err := d.Register(Function{Name: QualityCheck, OnEvent: func(ctx context.Context, env *Env, ev event.Object) error {
		n.Add(1)
		if fail.Load() {
			return errors.New("transient")
		}
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tests := []struct {
		name    string
		bucket  string
		fail    bool
		wantErr bool
		runs    int64
	}{
		{"failure is returned so Lambda retries", "s3://recpipe-data", true, true, 1},
		{"retry succeeds", "s3://recpipe-data", false, false, 2},
		{"duplicate runs nothing", "s3://recpipe-data", false, false, 2},
		{"other bucket ignored", "s3://elsewhere", true, false, 2},
	}
	for _, tt := range tests {
		fail.Store(tt.fail)
		err := S3Handler(d, tt.bucket)(ctx, e)
		if (err != nil) != tt.wantErr || n.Load() != tt.runs {
			t.Errorf("%s: err %v after %d runs, want error %v after %d", tt.name, err, n.Load(), tt.wantErr, tt.runs)
		}
	}
}
