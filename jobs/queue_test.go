package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
)

// chain registers stand-ins for the two routed stages: quality-check turns a day's
// manifest into a report, ab-eval turns a report into a result; a manifest containing
// "fail" makes quality-check fail.
func chain(t *testing.T, d *Dispatcher) {
	t.Helper()
	fns := []Function{
		{Name: QualityCheck, OnEvent: func(ctx context.Context, env *Env, ev Event) error {
			data, err := blob.ReadAll(ctx, env.Bucket, ev.Key)
			if err != nil {
				return err
			}
			if strings.Contains(string(data), "fail") {
				return fmt.Errorf("manifest %s is broken", ev.Key)
			}
			out := layout.QualityReport(ev.Parsed.Day)
			env.Run.AddOutput(out)
			_, _, err = blob.PutIfChanged(ctx, env.Bucket, out, []byte(`{"passed":true}`))
			return err
		}},
		{Name: ABEval, MaxConcurrent: 1, OnEvent: func(ctx context.Context, env *Env, ev Event) error {
			out := layout.ABResult(ev.Parsed.Day)
			env.Run.AddOutput(out)
			_, _, err := blob.PutIfChanged(ctx, env.Bucket, out, []byte(`{"winner":null}`))
			return err
		}},
	}
	for _, f := range fns {
		if err := d.Register(f); err != nil {
			t.Fatal(err)
		}
	}
}

func TestEmbeddedChainsStages(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	log, _ := testLogger(t)
	raw := blob.NewMem()
	d := NewDispatcher(raw, log)
	chain(t, d)
	b, q := Embedded(raw, d)
	if d.Bucket() != b {
		t.Fatal("the dispatcher does not write through the hooked bucket")
	}

	for day := 1; day <= 5; day++ {
		put(t, b, fmt.Sprintf("etl/day=%02d/batch.csv", day), "userId,movieId,rating,timestamp\n")
		put(t, b, fmt.Sprintf("etl/day=%02d/_manifest.json", day), fmt.Sprintf(`{"day":%d}`, day))
	}
	if err := q.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	for day := 1; day <= 5; day++ {
		if ok, _ := blob.Exists(ctx, raw, fmt.Sprintf("abtest/day=%02d/result.json", day)); !ok {
			t.Errorf("day %d: no A/B result: the chain did not run through events", day)
		}
	}
	want := QueueStats{Queued: 10, OK: 10}
	if got := q.Stats(); got != want {
		t.Errorf("stats %+v, want %+v", got, want)
	}

	// Rewriting a manifest byte for byte fires an event with the same ETag: nothing runs.
	put(t, b, "etl/day=03/_manifest.json", `{"day":3}`)
	if err := q.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	want.Queued, want.Duplicates = 11, 1
	if got := q.Stats(); got != want {
		t.Errorf("after a duplicate: stats %+v, want %+v", got, want)
	}
	if errs := q.Errors(); len(errs) != 0 {
		t.Errorf("errors %v", errs)
	}
	if runs, _ := ListRuns(ctx, raw, ABEval); len(runs) != 5 {
		t.Errorf("%d ab-eval run records, want 5", len(runs))
	}
}

func TestEmbeddedKeepsErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	log, logs := testLogger(t)
	raw := blob.NewMem()
	d := NewDispatcher(raw, log)
	chain(t, d)
	b, q := Embedded(raw, d)
	put(t, b, "etl/day=01/_manifest.json", `{"status":"fail"}`)
	put(t, b, "etl/day=02/_manifest.json", `{"day":2}`)
	if err := q.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	errs := q.Errors()
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "etl/day=01/_manifest.json is broken") {
		t.Fatalf("errors %v, want the day-1 failure", errs)
	}
	if got := q.Stats(); got.Failed != 1 || got.OK != 2 {
		t.Errorf("stats %+v, want 1 failed and 2 ok (day 2 through both stages)", got)
	}
	if !strings.Contains(logs.String(), `"msg":"event run failed"`) {
		t.Error("the failure was not logged")
	}
	if ok, _ := blob.Exists(ctx, raw, layout.QualityReport(1)); ok {
		t.Error("a failed stage fired the next one")
	}
}

func TestQueueWaitHonoursContext(t *testing.T) {
	log, _ := testLogger(t)
	raw := blob.NewMem()
	d := NewDispatcher(raw, log)
	release := make(chan struct{})
	if err := d.Register(Function{Name: QualityCheck, OnEvent: func(ctx context.Context, env *Env, ev Event) error {
		<-release
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	b, q := Embedded(raw, d)
	put(t, b, manifestKey, "{}")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := q.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait on a busy queue: %v, want the deadline", err)
	}
	close(release)
	if err := q.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := q.Stats(); got.OK != 1 {
		t.Errorf("stats %+v", got)
	}
}

func TestEmbeddedQueuesOnlyRoutedKeys(t *testing.T) {
	log, _ := testLogger(t)
	raw := blob.NewMem()
	d := NewDispatcher(raw, log)
	chain(t, d)
	b, q := Embedded(raw, d)
	for _, k := range []string{"etl/day=01/batch.csv", "etl/status.json", "prepared/x/_manifest.json", "models/ncf/champion.json"} {
		put(t, b, k, "x")
	}
	if err := q.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := q.Stats(); got.Queued != 1 {
		t.Errorf("queued %d events, want 1 (only the champion is routed)", got.Queued)
	}
}

// The same chain on a file:// bucket: commits on disk fire the next stage in-process.
func TestEmbeddedOnFileBucket(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	raw, err := blob.Open(ctx, "file://"+t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	log, _ := testLogger(t)
	d := NewDispatcher(raw, log)
	chain(t, d)
	b, q := Embedded(raw, d)
	put(t, b, "etl/day=07/_manifest.json", `{"day":7}`)
	if err := q.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, _ := blob.Exists(ctx, raw, "abtest/day=07/result.json"); !ok || q.Stats().OK != 2 {
		t.Errorf("chain on file:// did not run: %+v", q.Stats())
	}
}
