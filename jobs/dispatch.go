package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/jobs/event"
)

// StatusDuplicate is the outcome of a delivery that ran nothing because the same
// (function, key, ETag) was already handled. It writes no run record; Outcome.Prior
// says how the event ended.
const StatusDuplicate = "duplicate"

// StatusBusy is the outcome of an attempt that ran nothing because another run (in
// this process or another) holds the event's claim. The event is neither handled nor
// failed: look again later.
const StatusBusy = "busy"

// MarkerSchema is the schema name of an event marker.
const MarkerSchema = "event-marker/v1"

// Outcome is what one routed function did with one event.
type Outcome struct {
	Function string
	Route    string
	Status   string // ok, failed, skipped, duplicate or busy
	RunID    string // for a duplicate or busy: the run that handled or holds the event
	Err      error
	// Marked: the event is recorded as handled (ok, skipped, or a failure that is
	// final or was given up on); a redelivery runs nothing. A failure that is not
	// marked is retried.
	Marked bool
	// Prior is, for a duplicate, the status its marker records (ok, skipped, failed).
	Prior    string
	Attempts int // attempts made by a Queue (0 outside one)
}

// Marker is written to runs/<function>/events/<sha256>.json, with IfAbsent, once the
// function has handled (key, ETag): its presence makes a redelivery a no-op. Failed
// runs write none, so a redelivery retries them, unless the failure is Final or the
// receiver gave up after its retries (GaveUp).
type Marker struct {
	Schema   string    `json:"schema"`
	Function string    `json:"function"`
	Key      string    `json:"key"`
	ETag     string    `json:"etag"`
	RunID    string    `json:"run_id"`
	Status   string    `json:"status"` // ok, skipped, or failed (final, or given up on)
	Error    string    `json:"error,omitempty"`
	ExitCode int       `json:"exit_code,omitempty"`
	Attempts int       `json:"attempts,omitempty"` // runs a receiver made of the event
	GaveUp   bool      `json:"gave_up,omitempty"`  // failed every attempt its retry policy allowed
	Done     time.Time `json:"done"`
}

// Dispatcher runs registered functions for the object events the routing table sends
// them. The same (function, key, ETag) never runs twice, in this process or another:
// a run first takes the event's claim (a lease, see Claim), and a durable marker in
// the bucket remembers what was handled.
type Dispatcher struct {
	bucket blob.Bucket
	log    *slog.Logger
	opt    DeliveryOptions
	holder string

	mu    sync.Mutex
	funcs map[string]*hosted
}

type hosted struct {
	f   Function
	sem chan struct{} // nil: no limit
}

// NewDispatcher returns a dispatcher whose functions read and write b, with the
// default DeliveryOptions.
func NewDispatcher(b blob.Bucket, log *slog.Logger) *Dispatcher {
	return &Dispatcher{bucket: b, log: log, opt: deliveryDefaults.withDefaults(), holder: newHolder(), funcs: map[string]*hosted{}}
}

// deliveryDefaults are the options of a new Dispatcher (tests shorten the lease of
// the binaries' dispatchers with it).
var deliveryDefaults DeliveryOptions

// SetOptions changes the lease, retry policy and polling of later deliveries.
func (d *Dispatcher) SetOptions(o DeliveryOptions) {
	d.mu.Lock()
	d.opt = o.withDefaults()
	d.mu.Unlock()
}

// Options returns the delivery options in force.
func (d *Dispatcher) Options() DeliveryOptions {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.opt
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

// hostedNames lists the functions registered here.
func (d *Dispatcher) hostedNames() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, fn := range Functions() {
		if d.funcs[fn] != nil {
			out = append(out, fn)
		}
	}
	return out
}

// Routed reports whether a route leads from key to a function registered here.
func (d *Dispatcher) Routed(key string) bool { return len(d.hostedRoutes(key)) > 0 }

// hostedRoutes returns the routes from key to functions registered here, one per
// function, with the function.
func (d *Dispatcher) hostedRoutes(key string) []hostedRoute {
	d.mu.Lock()
	defer d.mu.Unlock()
	k, err := layout.Parse(key) // the one parse of the event's key
	if err != nil {
		return nil
	}
	var out []hostedRoute
	seen := map[string]bool{}
	for _, r := range MatchKey(k) {
		if h := d.funcs[r.Function]; h != nil && !seen[r.Function] {
			seen[r.Function] = true
			out = append(out, hostedRoute{r, h, k})
		}
	}
	return out
}

// hostedRoute is a route to a function hosted here, with the parsed key it matched.
type hostedRoute struct {
	Route
	h   *hosted
	key layout.Key
}

// routesFor returns the hosted routes of ev, with its ETag filled in from the bucket
// when the event has none (a hand-written event file). Events that are not
// ObjectCreated and keys no route leads from to a function here have none.
func (d *Dispatcher) routesFor(ctx context.Context, ev event.Object) ([]hostedRoute, event.Object, error) {
	if ev.Name != "" && !event.IsCreated(ev.Name) {
		d.log.Debug("event ignored", "event", ev.Name, "key", ev.Key)
		return nil, ev, nil
	}
	routes := d.hostedRoutes(ev.Key)
	if len(routes) == 0 {
		d.log.Debug("no route to a function hosted here", "key", ev.Key)
		return nil, ev, nil
	}
	if ev.ETag == "" {
		a, err := d.bucket.Stat(ctx, ev.Key)
		if err != nil {
			return nil, ev, fmt.Errorf("event for %s without ETag: %w", ev.Key, err)
		}
		ev.ETag = a.ETag
	}
	return routes, ev, nil
}

// Dispatch runs, one after the other, every registered function that a route leads
// to from ev, once each: no retry (a Queue retries). An event another run holds is
// waited for: it ends as that run's duplicate, or runs here when that run left it
// (failed, or stopped renewing its claim). The error joins the failures.
func (d *Dispatcher) Dispatch(ctx context.Context, ev event.Object) ([]Outcome, error) {
	routes, ev, err := d.routesFor(ctx, ev)
	if err != nil || len(routes) == 0 {
		return nil, err
	}
	var (
		out  []Outcome
		errs []error
	)
	for _, r := range routes {
		o := d.attempt(ctx, r, ev, false)
		for o.Status == StatusBusy {
			select {
			case <-ctx.Done():
				o = Outcome{Function: r.h.f.Name, Route: r.Name, Status: StatusFailed, Err: ctx.Err()}
				continue
			case <-time.After(d.Options().Poll):
			}
			o = d.attempt(ctx, r, ev, false)
		}
		if o.Err != nil {
			errs = append(errs, fmt.Errorf("%s for %s: %w", o.Function, ev.Key, o.Err))
		}
		out = append(out, o)
	}
	return out, errors.Join(errs...)
}

// attempt runs h once for ev, unless the event is already handled (a duplicate) or
// another run holds its claim (busy). A run that ends ok, skipped or with a final
// failure writes the event's marker; a run that fails otherwise releases its claim,
// for a retry.
//
// checked says the marker was looked at just before (at receipt): the attempt does
// not look again before it takes the claim.
func (d *Dispatcher) attempt(ctx context.Context, r hostedRoute, ev event.Object, checked bool) Outcome {
	h := r.h
	fn := h.f.Name
	o := Outcome{Function: fn, Route: r.Name}
	log := d.log.With("function", fn, "key", ev.Key, "etag", ev.ETag)
	opt := d.Options()
	mkey := layout.EventMarker(fn, ev.Key, ev.ETag)

	if !checked {
		if dup, err := d.handled(ctx, o, mkey, log); err != nil || dup != nil {
			if err != nil {
				o.Status, o.Err = StatusFailed, err
				return o
			}
			return *dup
		}
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

	cl := &claimer{b: d.bucket, holder: d.holder, lease: opt.Lease, log: d.log}
	runID := NewRunID(clock())
	ctx = withRun(ctx, fn, runID)
	mine, live, err := cl.take(ctx, fn, ev, runID)
	switch {
	case err != nil:
		o.Status, o.Err = StatusFailed, err
		return o
	case mine == nil:
		o.Status = StatusBusy
		if live != nil {
			o.RunID = live.RunID
		}
		log.Debug("event held by another run", "run_id", o.RunID)
		return o
	}
	// A holder before us (a generation before ours) may have handled the event after
	// our first look. Markers are written by claim holders only, so the first
	// generation needs no second look.
	if mine.Gen > 1 {
		dup, err := d.handled(ctx, o, mkey, log)
		if err != nil || dup != nil {
			cl.release(ctx, mine)
			if err != nil {
				o.Status, o.Err = StatusFailed, err
				return o
			}
			return *dup
		}
	}

	evCopy := ev
	rec, err := execute(ctx, d.bucket, d.log, runSpec{
		function: fn, trigger: Trigger{Kind: "event", Event: &evCopy}, id: runID, lease: opt.Lease,
		prepare: func(rec *Record) { rec.Inputs = append(rec.Inputs, ev.Key) },
		renew:   func(ctx context.Context) error { return cl.renew(ctx, mine) },
	}, func(ctx context.Context, env *Env) error {
		return h.f.OnEvent(ctx, env, Event{Object: ev, Parsed: r.key})
	})
	o.RunID, o.Status = rec.ID, rec.Status
	if err != nil {
		o.Status, o.Err = StatusFailed, err
		if !errors.Is(err, ErrFinal) || rec.Status != StatusFailed || !rec.recorded {
			cl.release(ctx, mine)
			return o // left for a retry
		}
	}
	m := Marker{Schema: MarkerSchema, Function: fn, Key: ev.Key, ETag: ev.ETag, RunID: rec.ID, Status: rec.Status,
		Error: rec.Error, ExitCode: rec.ExitCode, Done: clock().UTC()}
	o.Marked = d.writeMarker(ctx, m, log)
	return o
}

// handled returns the duplicate outcome of an event whose marker exists, or nil.
func (d *Dispatcher) handled(ctx context.Context, o Outcome, mkey string, log *slog.Logger) (*Outcome, error) {
	var m Marker
	err := blob.ReadJSON(ctx, d.bucket, mkey, &m)
	switch {
	case errors.Is(err, blob.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("check event marker: %w", err)
	}
	log.Info("duplicate event: already handled", "marker", mkey, "run_id", m.RunID, "prior", m.Status)
	o.Status, o.Marked, o.Prior, o.RunID = StatusDuplicate, true, m.Status, m.RunID
	if m.Status == StatusFailed {
		// A duplicate of a failure never passes for a success.
		err := fmt.Errorf("already handled by run %s, which failed: %s", m.RunID, m.Error)
		if m.ExitCode != 0 {
			err = Exit(m.ExitCode, err)
		}
		o.Err = Final(err)
	}
	return &o, nil
}

// writeMarker stores m with IfAbsent and reports whether the event is marked.
func (d *Dispatcher) writeMarker(ctx context.Context, m Marker, log *slog.Logger) bool {
	mkey := layout.EventMarker(m.Function, m.Key, m.ETag)
	data, err := blob.MarshalJSON(m)
	if err == nil {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_, err = blob.PutBytes(wctx, d.bucket, mkey, data, blob.PutOptions{IfAbsent: true, ContentType: "application/json"})
	}
	switch {
	case err == nil:
		return true
	case errors.Is(err, blob.ErrExists):
		log.Info("event marker already written by another delivery", "marker", mkey)
		return true
	default:
		// The run is over; only its de-duplication is lost. A redelivery reruns an
		// idempotent function, which rewrites nothing.
		log.Warn("cannot write event marker", "marker", mkey, "err", err)
		return false
	}
}
