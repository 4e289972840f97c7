package pipelinestatus

import (
	"context"
	"testing"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/jobs"
	"github.com/recpipe/recpipe/jobs/event"
)

// Running, abandoned and failed runs are told apart: a running record past its lease
// is abandoned; a failure a later run made good needs no attention.
func TestRunsApart(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	defer func(f func() time.Time) { now = f }(now)
	now = func() time.Time { return t0 }
	b := blob.NewMem()
	put := func(key string, v any) {
		t.Helper()
		data, err := blob.MarshalJSON(v)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := blob.PutBytes(ctx, b, key, data, blob.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	at := func(d time.Duration) *time.Time { x := t0.Add(d); return &x }
	ev := func(key, etag string) jobs.Trigger {
		return jobs.Trigger{Kind: "event", Event: &event.Object{Key: key, ETag: etag}}
	}
	records := []*jobs.Record{
		{ID: "20261205T095000.000Z-00000001", Function: "quality-check", Trigger: ev("etl/day=01/_manifest.json", "a"), Status: jobs.StatusFailed, End: at(-9 * time.Minute), Error: "reset"},
		{ID: "20261205T095100.000Z-00000002", Function: "quality-check", Trigger: ev("etl/day=01/_manifest.json", "a"), Status: jobs.StatusOK, End: at(-8 * time.Minute)},
		{ID: "20261205T095200.000Z-00000003", Function: "quality-check", Trigger: ev("etl/day=02/_manifest.json", "b"), Status: jobs.StatusFailed, End: at(-7 * time.Minute), Error: "still broken"},
		{ID: "20261205T095300.000Z-00000004", Function: "ab-eval", Trigger: ev("quality/day=01/report.json", "c"), Status: jobs.StatusRunning, AliveUntil: at(-time.Minute)},
		{ID: "20261205T095900.000Z-00000005", Function: "ab-eval", Trigger: ev("quality/day=02/report.json", "d"), Status: jobs.StatusRunning, AliveUntil: at(20 * time.Second)},
		{ID: "20261205T090000.000Z-00000006", Function: "etl-day", Trigger: jobs.Trigger{Kind: "cli"}, Status: jobs.StatusFailed, End: at(-time.Hour)},
		{ID: "20261205T091000.000Z-00000007", Function: "etl-day", Trigger: jobs.Trigger{Kind: "cli"}, Status: jobs.StatusOK, End: at(-50 * time.Minute)},
	}
	for _, r := range records {
		r.Schema = jobs.RecordSchema
		put(layout.RunRecord(r.Function, r.ID), r)
	}
	put(layout.EventMarker("quality-check", "etl/day=01/_manifest.json", "a"), jobs.Marker{Status: jobs.StatusOK})
	put(layout.EventMarker("quality-check", "etl/day=02/_manifest.json", "b"), jobs.Marker{Status: jobs.StatusFailed, GaveUp: true})

	s := &Snapshot{}
	if err := readRuns(ctx, b, s); err != nil {
		t.Fatal(err)
	}
	if len(s.Running) != 1 || s.Running[0].ID != records[4].ID {
		t.Errorf("running %+v, want only the run whose lease is alive", s.Running)
	}
	want := []RunRef{ // newest first
		{Function: "ab-eval", ID: records[3].ID, State: jobs.StatusAbandoned, Key: "quality/day=01/report.json"},
		{Function: "quality-check", ID: records[2].ID, State: jobs.StatusFailed, Key: "etl/day=02/_manifest.json", Error: "still broken", GaveUp: true},
	}
	if len(s.Attention) != len(want) {
		t.Fatalf("attention %+v, want %+v", s.Attention, want)
	}
	for i := range want {
		if got := s.Attention[i]; got.ID != want[i].ID || got.State != want[i].State || got.GaveUp != want[i].GaveUp || got.Key != want[i].Key {
			t.Errorf("attention[%d] = %+v, want %+v", i, got, want[i])
		}
	}
	for _, r := range s.Runs {
		if r.Function == "ab-eval" && (r.ByState[jobs.StatusAbandoned] != 1 || r.ByState[jobs.StatusRunning] != 1 || r.Status != jobs.StatusRunning) {
			t.Errorf("ab-eval runs %+v", r)
		}
	}
}
