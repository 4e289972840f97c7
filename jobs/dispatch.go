package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"sync"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/jobs/event"
)

// StatusDuplicate is the outcome of a delivery that ran nothing because the same
// (function, key, ETag) already ran, or is running now. It writes no run record.
const StatusDuplicate = "duplicate"

// MarkerSchema is the schema name of an event marker.
const MarkerSchema = "event-marker/v1"

// Outcome is what one routed function did with one event.
type Outcome struct {
	Function string
	Route    string
	Status   string // ok, failed, skipped or duplicate
	RunID    string // empty for a duplicate
	Err      error
	// Marked: the event is recorded as handled (ok, skipped, or a Final failure);
	// a redelivery runs nothing. A failure that is not marked is retried by one.
	Marked bool
}

// Marker is written to runs/<function>/events/<sha256>.json, with IfAbsent, once the
// function has handled (key, ETag): its presence makes a redelivery a no-op. Failed
// runs write none, so a redelivery retries them, unless the failure is Final.
type Marker struct {
	Schema   string    `json:"schema"`
	Function string    `json:"function"`
	Key      string    `json:"key"`
	ETag     string    `json:"etag"`
	RunID    string    `json:"run_id"`
	Status   string    `json:"status"` // ok, skipped, or failed (a Final failure)
	Error    string    `json:"error,omitempty"`
	Done     time.Time `json:"done"`
}

// MarkerKey is where the marker of (function, key, etag) lives.
func MarkerKey(function, key, etag string) string {
	sum := sha256.Sum256([]byte(key + "\n" + etag))
	return path.Join("runs", function, "events", hex.EncodeToString(sum[:])+".json")
}

// Dispatcher runs registered functions for the object events the routing table sends
// them. The same (function, key, ETag) never runs twice: a durable marker in the bucket
// remembers what ran, and concurrent duplicates in this process wait for the one run.
type Dispatcher struct {
	bucket blob.Bucket
	log    *slog.Logger

	mu      sync.Mutex
	funcs   map[string]*hosted
	flights map[string]*flight
}

type hosted struct {
	f   Function
	sem chan struct{} // nil: no limit
}

type flight struct {
	done   chan struct{}
	runID  string
	marked bool
}

// NewDispatcher returns a dispatcher whose functions read and write b.
func NewDispatcher(b blob.Bucket, log *slog.Logger) *Dispatcher {
	return &Dispatcher{bucket: b, log: log, funcs: map[string]*hosted{}, flights: map[string]*flight{}}
}

// Bucket is the bucket the dispatcher's functions get.
func (d *Dispatcher) Bucket() blob.Bucket { return d.bucket }

// Register hosts f. A function without OnEvent, or a name already taken, is an error.
func (d *Dispatcher) Register(f Function) error {
	if f.Name == "" || f.OnEvent == nil {
		return fmt.Errorf("register function %q: needs a name and OnEvent", f.Name)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.funcs[f.Name]; ok {
		return fmt.Errorf("register function %q: already registered", f.Name)
	}
	h := &hosted{f: f}
	if f.MaxConcurrent > 0 {
		h.sem = make(chan struct{}, f.MaxConcurrent)
	}
	d.funcs[f.Name] = h
	return nil
}

// Routed reports whether a route leads from key to a function registered here.
func (d *Dispatcher) Routed(key string) bool { return len(d.hostedRoutes(key)) > 0 }

// hostedRoutes returns the routes from key to functions registered here, one per
// function, with the function.
func (d *Dispatcher) hostedRoutes(key string) []hostedRoute {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []hostedRoute
	seen := map[string]bool{}
	for _, r := range Match(key) {
		if h := d.funcs[r.Function]; h != nil && !seen[r.Function] {
			seen[r.Function] = true
			out = append(out, hostedRoute{r, h})
		}
	}
	return out
}

type hostedRoute struct {
	Route
	h *hosted
}

// Dispatch runs, one after the other, every registered function that a route leads
// to from ev. Events that are not ObjectCreated, keys no route matches and functions
// not hosted here run nothing. The error joins the failures of the runs.
func (d *Dispatcher) Dispatch(ctx context.Context, ev event.Object) ([]Outcome, error) {
	if ev.Name != "" && !event.IsCreated(ev.Name) {
		d.log.Debug("event ignored", "event", ev.Name, "key", ev.Key)
		return nil, nil
	}
	routes := d.hostedRoutes(ev.Key)
	if len(routes) == 0 {
		d.log.Debug("no route to a function hosted here", "key", ev.Key)
		return nil, nil
	}
	if ev.ETag == "" { // hand-written event files: the object's current version
		a, err := d.bucket.Stat(ctx, ev.Key)
		if err != nil {
			return nil, fmt.Errorf("event for %s without ETag: %w", ev.Key, err)
		}
		ev.ETag = a.ETag
	}
	var (
		out  []Outcome
		errs []error
	)
	for _, r := range routes {
		o := d.runOnce(ctx, r.h, r.Route, ev)
		if o.Err != nil {
			errs = append(errs, fmt.Errorf("%s for %s: %w", o.Function, ev.Key, o.Err))
		}
		out = append(out, o)
	}
	return out, errors.Join(errs...)
}

func (d *Dispatcher) runOnce(ctx context.Context, h *hosted, r Route, ev event.Object) Outcome {
	fn := h.f.Name
	o := Outcome{Function: fn, Route: r.Name}
	log := d.log.With("function", fn, "key", ev.Key, "etag", ev.ETag)

	// In-process single flight: a concurrent duplicate waits for the running one.
	fk := fn + "\n" + ev.Key + "\n" + ev.ETag
	d.mu.Lock()
	if f, ok := d.flights[fk]; ok {
		d.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			o.Status, o.Err = StatusFailed, ctx.Err()
			return o
		}
		log.Info("duplicate event: ran concurrently", "run_id", f.runID)
		o.Status, o.Marked = StatusDuplicate, f.marked
		return o
	}
	f := &flight{done: make(chan struct{})}
	d.flights[fk] = f
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		delete(d.flights, fk)
		d.mu.Unlock()
		close(f.done)
	}()

	// Durable de-duplication across processes and redeliveries.
	mkey := MarkerKey(fn, ev.Key, ev.ETag)
	done, err := blob.Exists(ctx, d.bucket, mkey)
	if err != nil {
		o.Status, o.Err = StatusFailed, fmt.Errorf("check event marker: %w", err)
		return o
	}
	if done {
		log.Info("duplicate event: already handled", "marker", mkey)
		o.Status, o.Marked, f.marked = StatusDuplicate, true, true
		return o
	}

	if h.sem != nil {
		select {
		case h.sem <- struct{}{}:
			defer func() { <-h.sem }()
		case <-ctx.Done():
			o.Status, o.Err = StatusFailed, ctx.Err()
			return o
		}
	}

	evCopy := ev
	rec, err := execute(ctx, d.bucket, d.log, fn, Trigger{Kind: "event", Event: &evCopy},
		func(rec *Record) { rec.Inputs = append(rec.Inputs, ev.Key); f.runID = rec.ID },
		func(ctx context.Context, env *Env) error { return h.f.OnEvent(ctx, env, ev) })
	o.RunID, o.Status = rec.ID, rec.Status
	if err != nil {
		o.Status, o.Err = StatusFailed, err
		if !errors.Is(err, ErrFinal) || rec.Status != StatusFailed || !rec.recorded {
			return o // left for a redelivery to retry
		}
	}
	m := Marker{Schema: MarkerSchema, Function: fn, Key: ev.Key, ETag: ev.ETag, RunID: rec.ID, Status: rec.Status, Error: rec.Error, Done: clock().UTC()}
	data, err := blob.MarshalJSON(m)
	if err == nil {
		_, err = blob.PutBytes(ctx, d.bucket, mkey, data, blob.PutOptions{IfAbsent: true, ContentType: "application/json"})
	}
	switch {
	case err == nil:
		o.Marked, f.marked = true, true
	case errors.Is(err, blob.ErrExists):
		log.Info("event marker already written by another delivery", "marker", mkey)
		o.Marked, f.marked = true, true
	default:
		// The run is over; only its de-duplication is lost. A redelivery reruns an
		// idempotent function, which rewrites nothing.
		log.Warn("cannot write event marker", "marker", mkey, "err", err)
	}
	return o
}
