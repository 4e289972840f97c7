package failreport

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
)

func TestLatestFailedRun(t *testing.T) {
	ctx := context.Background()
	b := blob.NewMem()
	put := func(key, status string) {
		t.Helper()
		if _, _, err := blob.WriteJSON(ctx, b, key, map[string]string{"schema": "run-record/v1", "id": key, "function": "etl-day", "status": status}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // distinct modification times
	}
	if _, err := LatestFailedRun(ctx, b, "runs/etl-day/"); !errors.Is(err, ErrNoRunRecord) {
		t.Fatalf("empty bucket: err = %v, want ErrNoRunRecord", err)
	}
	put("runs/etl-day/c.json", "failed")
	put("runs/etl-day/b.json", "failed") // newest failed, though not the greatest key
	put("runs/etl-day/d.json", "ok")
	put("runs/etl-daily/z.json", "failed") // another prefix
	got, err := LatestFailedRun(ctx, b, "runs/etl-day/")
	if err != nil || got != "runs/etl-day/b.json" {
		t.Errorf("LatestFailedRun = %q, %v; want runs/etl-day/b.json", got, err)
	}
	if _, err := blob.PutBytes(ctx, b, "runs/etl-day/e.json", []byte("{not json"), blob.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := LatestFailedRun(ctx, b, "runs/etl-day/"); err == nil {
		t.Error("a corrupt run record was not reported")
	}
}
