package jobs

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/jobs/event"
)

const manifestKey = "etl/day=01/_manifest.json"

func manifestEvent(etag string) event.Object {
	return event.Object{Name: "s3:ObjectCreated:Put", Bucket: "recpipe", Key: manifestKey, ETag: etag, Size: 10}
}

// counting registers a quality-check function that counts its runs and returns err.
func counting(t *testing.T, d *Dispatcher, n *atomic.Int64, err error) {
	t.Helper()
	if rerr := d.Register(Function{Name: QualityCheck, OnEvent: func(ctx context.Context, env *Env, ev Event) error {
		n.Add(1)
		return err
	}}); rerr != nil {
		t.Fatal(rerr)
	}
}

func TestDispatchDuplicateRunsOnce(t *testing.T) {
	ctx := context.Background()
	b := blob.NewMem()
	log, _ := testLogger(t)
	d := NewDispatcher(b, log)
	var n atomic.Int64
	counting(t, d, &n, nil)

	tests := []struct {
		name   string
		d      *Dispatcher
		ev     event.Object
		status string
		runs   int64
	}{
		{"first delivery runs", d, manifestEvent("e1"), StatusOK, 1},
		{"same key and etag again", d, manifestEvent("e1"), StatusDuplicate, 1},
		{"another process, same event", newCounting(t, b, &n), manifestEvent("e1"), StatusDuplicate, 1},
		{"new version of the object", d, manifestEvent("e2"), StatusOK, 2},
	}
	for _, tt := range tests {
		outs, err := tt.d.Dispatch(ctx, tt.ev)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if len(outs) != 1 || outs[0].Status != tt.status || outs[0].Function != QualityCheck || outs[0].Route != "etl-manifest" {
			t.Errorf("%s: outcomes %+v, want one %s", tt.name, outs, tt.status)
		}
		if got := n.Load(); got != tt.runs {
			t.Errorf("%s: %d runs so far, want %d", tt.name, got, tt.runs)
		}
	}
	for _, etag := range []string{"e1", "e2"} {
		var m Marker
		if err := blob.ReadJSON(ctx, b, layout.EventMarker(QualityCheck, manifestKey, etag), &m); err != nil {
			t.Fatal(err)
		}
		if m.Schema != MarkerSchema || m.Key != manifestKey || m.ETag != etag || m.Status != StatusOK || m.RunID == "" {
			t.Errorf("marker %+v", m)
		}
	}
	if runs, _ := ListRuns(ctx, b, QualityCheck); len(runs) != 2 {
		t.Errorf("%d run records, want 2 (duplicates write none)", len(runs))
	}
}

func newCounting(t *testing.T, b blob.Bucket, n *atomic.Int64) *Dispatcher {
	log, _ := testLogger(t)
	d := NewDispatcher(b, log)
	counting(t, d, n, nil)
	return d
}

func TestDispatchConcurrentDuplicatesRunOnce(t *testing.T) {
	ctx := context.Background()
	b := blob.NewMem()
	log, _ := testLogger(t)
	d := NewDispatcher(b, log)
	var n atomic.Int64
	release := make(chan struct{})
	if err := d.Register(Function{Name: QualityCheck, OnEvent: func(ctx context.Context, env *Env, ev Event) error {
		n.Add(1)
		<-release // hold the run so that the duplicates arrive while it is in flight
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	const deliveries = 16
	var wg sync.WaitGroup
	statuses := make(chan string, deliveries)
	for range deliveries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs, err := d.Dispatch(ctx, manifestEvent("e1"))
			if err != nil {
				t.Error(err)
				return
			}
			statuses <- outs[0].Status
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	close(statuses)
	count := map[string]int{}
	for s := range statuses {
		count[s]++
	}
	if n.Load() != 1 || count[StatusOK] != 1 || count[StatusDuplicate] != deliveries-1 {
		t.Errorf("runs %d, outcomes %v; want 1 run, 1 ok and %d duplicates", n.Load(), count, deliveries-1)
	}
}

func TestDispatchFailureIsRetried(t *testing.T) {
	ctx := context.Background()
	b := blob.NewMem()
	log, _ := testLogger(t)
	d := NewDispatcher(b, log)
	var n atomic.Int64
	if err := d.Register(Function{Name: QualityCheck, OnEvent: func(ctx context.Context, env *Env, ev Event) error {
		if n.Add(1) == 1 {
			return errors.New("storage went away")
		}
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	outs, err := d.Dispatch(ctx, manifestEvent("e1"))
	if err == nil || !strings.Contains(err.Error(), "storage went away") || outs[0].Status != StatusFailed {
		t.Fatalf("first delivery: %+v, %v; want a failure", outs, err)
	}
	if ok, _ := blob.Exists(ctx, b, layout.EventMarker(QualityCheck, manifestKey, "e1")); ok {
		t.Fatal("a failed run was marked as handled")
	}
	outs, err = d.Dispatch(ctx, manifestEvent("e1"))
	if err != nil || outs[0].Status != StatusOK || n.Load() != 2 {
		t.Fatalf("redelivery: %+v, %v after %d runs; want it to run again and succeed", outs, err, n.Load())
	}
}

func TestDispatchRunsNothing(t *testing.T) {
	tests := []struct {
		name string
		ev   event.Object
	}{
		{"unrouted key", event.Object{Name: "ObjectCreated:Put", Key: "etl/day=01/batch.csv", ETag: "x"}},
		{"run record", event.Object{Name: "ObjectCreated:Put", Key: "runs/quality-check/x.json", ETag: "x"}},
		{"delete event", event.Object{Name: "s3:ObjectRemoved:Delete", Key: manifestKey, ETag: "x"}},
		{"routed to a function not hosted here", event.Object{Name: "ObjectCreated:Put", Key: layout.QualityReport(1), ETag: "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := blob.NewMem()
			log, _ := testLogger(t)
			d := NewDispatcher(b, log)
			var n atomic.Int64
			counting(t, d, &n, nil)
			outs, err := d.Dispatch(context.Background(), tt.ev)
			if err != nil || len(outs) != 0 || n.Load() != 0 {
				t.Errorf("outcomes %+v, err %v, runs %d; want nothing", outs, err, n.Load())
			}
			if k := keys(t, b, ""); len(k) != 0 {
				t.Errorf("wrote %v", k)
			}
		})
	}
}

func TestDispatchStatuses(t *testing.T) {
	tests := []struct {
		name    string
		body    func(ctx context.Context, env *Env, ev Event) error
		status  string
		marked  bool
		errText string
	}{
		{"ok", func(ctx context.Context, env *Env, ev Event) error { return nil }, StatusOK, true, ""},
		{"skipped", func(ctx context.Context, env *Env, ev Event) error { return Skip("gate failed") }, StatusSkipped, true, "gate failed"},
		{"failed", func(ctx context.Context, env *Env, ev Event) error { return Exit(3, errors.New("bad batch")) }, StatusFailed, false, "bad batch"},
		{"panic", func(ctx context.Context, env *Env, ev Event) error { panic("boom") }, StatusFailed, false, "panic: boom"},
		{"final failure", func(ctx context.Context, env *Env, ev Event) error {
			return Exit(3, Final(errors.New("gate failed")))
		}, StatusFailed, true, "gate failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			b := blob.NewMem()
			log, _ := testLogger(t)
			d := NewDispatcher(b, log)
			if err := d.Register(Function{Name: QualityCheck, OnEvent: tt.body}); err != nil {
				t.Fatal(err)
			}
			outs, _ := d.Dispatch(ctx, manifestEvent("e1"))
			if len(outs) != 1 || outs[0].Status != tt.status {
				t.Fatalf("outcomes %+v, want %s", outs, tt.status)
			}
			marked, _ := blob.Exists(ctx, b, layout.EventMarker(QualityCheck, manifestKey, "e1"))
			if marked != tt.marked || outs[0].Marked != tt.marked {
				t.Errorf("marked %v (outcome says %v), want %v", marked, outs[0].Marked, tt.marked)
			}
			again, _ := d.Dispatch(ctx, manifestEvent("e1"))
			if rerun := again[0].Status != StatusDuplicate; rerun == tt.marked {
				t.Errorf("redelivery: %s; want a rerun only when unmarked", again[0].Status)
			}
			runs, err := ListRuns(ctx, b, QualityCheck)
			if want := map[bool]int{true: 1, false: 2}[tt.marked]; err != nil || len(runs) != want {
				t.Fatalf("runs %v, %v", runs, err)
			}
			// Both runs of an unmarked event may start in the same millisecond, where
			// the random suffix of the run id decides their order: find the first by id.
			r := runs[0]
			for _, x := range runs {
				if x.ID == outs[0].RunID {
					r = x
				}
			}
			if r.Status != tt.status || !strings.Contains(r.Error, tt.errText) || r.ID != outs[0].RunID {
				t.Errorf("record status %q error %q id %s; want %q, %q, %s", r.Status, r.Error, r.ID, tt.status, tt.errText, outs[0].RunID)
			}
			if r.Trigger.Kind != "event" || r.Trigger.Event == nil || r.Trigger.Event.Key != manifestKey || len(r.Inputs) == 0 || r.Inputs[0] != manifestKey {
				t.Errorf("record trigger %+v inputs %v", r.Trigger, r.Inputs)
			}
		})
	}
}

func TestDispatchFillsMissingETag(t *testing.T) {
	ctx := context.Background()
	b := blob.NewMem()
	log, _ := testLogger(t)
	d := NewDispatcher(b, log)
	var n atomic.Int64
	counting(t, d, &n, nil)
	if _, err := d.Dispatch(ctx, manifestEvent("")); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("event without ETag for a missing object: %v, want ErrNotFound", err)
	}
	a := put(t, b, manifestKey, `{"rows": 5}`)
	if _, err := d.Dispatch(ctx, manifestEvent("")); err != nil {
		t.Fatal(err)
	}
	if ok, _ := blob.Exists(ctx, b, layout.EventMarker(QualityCheck, manifestKey, a.ETag)); !ok || n.Load() != 1 {
		t.Errorf("runs %d, marker under the stored ETag %v", n.Load(), ok)
	}
}

func TestMaxConcurrentSerialises(t *testing.T) {
	ctx := context.Background()
	log, _ := testLogger(t)
	d := NewDispatcher(blob.NewMem(), log)
	var now, peak atomic.Int64
	if err := d.Register(Function{Name: ABEval, MaxConcurrent: 1, OnEvent: func(ctx context.Context, env *Env, ev Event) error {
		c := now.Add(1)
		for {
			p := peak.Load()
			if c <= p || peak.CompareAndSwap(p, c) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		now.Add(-1)
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for day := 1; day <= 6; day++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := layout.QualityReport(layout.Day(day))
			if _, err := d.Dispatch(ctx, event.Object{Key: key, ETag: "e"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if peak.Load() != 1 {
		t.Errorf("peak concurrency %d, want 1", peak.Load())
	}
}

func TestRegister(t *testing.T) {
	log, _ := testLogger(t)
	d := NewDispatcher(blob.NewMem(), log)
	noop := func(ctx context.Context, env *Env, ev Event) error { return nil }
	tests := []struct {
		f     Function
		valid bool
	}{
		{Function{Name: ABEval, OnEvent: noop}, true},
		{Function{Name: ABEval, OnEvent: noop}, false}, // taken
		{Function{Name: QualityCheck}, false},          // no OnEvent
		{Function{OnEvent: noop}, false},               // no name
	}
	for i, tt := range tests {
		if err := d.Register(tt.f); (err == nil) != tt.valid {
			t.Errorf("case %d: Register(%q) = %v, want valid %v", i, tt.f.Name, err, tt.valid)
		}
	}
}
