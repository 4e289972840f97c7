package pipelinestatus

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/jobs"
)

// RunState sums up the run records of one function: its newest run, and how many
// runs are in each state.
type RunState struct {
	Function string         `json:"function"`
	Runs     int            `json:"runs"`
	Last     string         `json:"last_run"`
	Status   string         `json:"status"` // of the newest run, as of now (see jobs.Record.State)
	Trigger  string         `json:"trigger"`
	Wall     float64        `json:"wall_seconds"`
	Error    string         `json:"error,omitempty"`
	ByState  map[string]int `json:"by_state,omitempty"` // running, ok, skipped, failed, abandoned
}

// RunRef is one run in progress or needing attention.
type RunRef struct {
	Function   string     `json:"function"`
	ID         string     `json:"run_id"`
	State      string     `json:"state"`         // running, failed or abandoned
	Key        string     `json:"key,omitempty"` // the object event that started it
	Error      string     `json:"error,omitempty"`
	AliveUntil *time.Time `json:"alive_until,omitempty"` // running: the end of its lease
	GaveUp     bool       `json:"gave_up,omitempty"`     // its event was given up on after every retry
}

// now is the clock of the run states.
var now = time.Now

// readRuns reads every run record. A running record past its lease is abandoned
// (its process died), apart from those still alive. A failed or abandoned run needs
// attention unless a later run did its work: for an event run, the event's marker
// says ok or skipped; for another, a later run of the function ended ok or skipped.
func readRuns(ctx context.Context, b blob.Bucket, s *Snapshot) error {
	list, err := layout.ListKind(ctx, b, layout.KindRunRecord)
	if err != nil {
		return err
	}
	byFn := map[string][]*jobs.Record{}
	for _, a := range list { // run ids sort by start time
		r := &jobs.Record{}
		if err := blob.ReadJSON(ctx, b, a.Key, r); err != nil {
			return err
		}
		byFn[a.Parsed.Function] = append(byFn[a.Parsed.Function], r)
	}
	fns := make([]string, 0, len(byFn))
	for fn := range byFn {
		fns = append(fns, fn)
	}
	sort.Strings(fns)
	t := now()
	for _, fn := range fns {
		runs := byFn[fn]
		last := runs[len(runs)-1]
		st := RunState{Function: fn, Runs: len(runs), Last: last.ID, Status: last.State(t), Trigger: last.Trigger.Kind,
			Wall: last.Usage.WallSeconds, Error: last.Error, ByState: map[string]int{}}
		for i, r := range runs {
			state := r.State(t)
			st.ByState[state]++
			ref := RunRef{Function: fn, ID: r.ID, State: state, Error: r.Error, AliveUntil: r.AliveUntil}
			if r.Trigger.Event != nil {
				ref.Key = r.Trigger.Event.Key
			}
			switch state {
			case jobs.StatusRunning:
				s.Running = append(s.Running, ref)
			case jobs.StatusFailed, jobs.StatusAbandoned:
				done, gaveUp, err := doneLater(ctx, b, r, runs[i+1:])
				if err != nil {
					return err
				}
				if !done {
					ref.AliveUntil, ref.GaveUp = nil, gaveUp
					s.Attention = append(s.Attention, ref)
				}
			}
		}
		s.Runs = append(s.Runs, st)
	}
	slices.SortStableFunc(s.Attention, func(a, b RunRef) int { return strings.Compare(b.ID, a.ID) })
	return nil
}

// doneLater reports whether a later run did the work of the failed or abandoned run
// r, and whether r's event was given up on.
func doneLater(ctx context.Context, b blob.Bucket, r *jobs.Record, later []*jobs.Record) (done, gaveUp bool, err error) {
	if ev := r.Trigger.Event; ev != nil {
		var m jobs.Marker
		err := blob.ReadJSON(ctx, b, layout.EventMarker(r.Function, ev.Key, ev.ETag), &m)
		switch {
		case errors.Is(err, blob.ErrNotFound):
			return false, false, nil
		case err != nil:
			return false, false, err
		}
		return m.Status == jobs.StatusOK || m.Status == jobs.StatusSkipped, m.GaveUp, nil
	}
	for _, l := range later {
		if l.Trigger.Event == nil && (l.Status == jobs.StatusOK || l.Status == jobs.StatusSkipped) {
			return true, false, nil
		}
	}
	return false, false, nil
}
