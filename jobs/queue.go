package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/jobs/event"
)

// DefaultWorkers bounds how many events a queue runs at once.
const DefaultWorkers = 2

// StatusReceived is the status of a delivery that is recorded and queued, not yet run.
const StatusReceived = "received"

// Queue is the one dispatch loop: it receives object events, runs the functions they
// are routed to on a bounded pool of workers, and decides retry or give-up. Every
// entry point uses it: the webhook (pipeline serve), an --event file, a Lambda
// invocation and the in-process delivery of pipeline demo (Embedded).
//
// A queue with an inbox (QueueOptions.Inbox) receives an event durably: Receive writes
// runs/<function>/inbox/<sha256>.json (If-None-Match: *) before it returns, so the
// caller can acknowledge the delivery at once; the entry is deleted once the event is
// handled, and Resume queues the entries a stopped receiver left. A run that fails in
// a way a retry can change is retried with exponential backoff (DeliveryOptions.Retry);
// when the attempts are spent the event is marked failed (Marker.GaveUp), a terminal
// state that pipeline status shows. Without an inbox, events live in memory only and a
// failure is not retried (a redelivery retries it).
type Queue struct {
	d       *Dispatcher
	log     *slog.Logger
	workers int
	inbox   bool

	mu      sync.Mutex
	items   map[string]*Delivery // received, not finished
	ready   []*Delivery
	running int           // workers alive
	busy    int           // deliveries not finished
	idle    chan struct{} // closed while busy == 0
	stopped bool          // Shutdown: no attempt starts
	errs    []error
	stats   QueueStats
}

// QueueOptions configure a Queue.
type QueueOptions struct {
	Workers int  // events run at once (0: DefaultWorkers)
	Inbox   bool // receive durably, retry failures, resume (see Queue)
}

// QueueStats counts what a Queue did, by outcome.
type QueueStats struct {
	Queued     int `json:"queued"`
	OK         int `json:"ok"`
	Skipped    int `json:"skipped"`
	Failed     int `json:"failed"`
	Duplicates int `json:"duplicates"`
	Retries    int `json:"retries"`
	GaveUp     int `json:"gave_up"`
}

// Delivery is one event for one function, from its receipt to its outcome.
type Delivery struct {
	Function string
	Key      string
	ETag     string

	// Receipt is how the event was received: "received" (queued to run) or
	// "duplicate" (handled before: the delivery is finished at once).
	Receipt string

	ctx      context.Context // values of the receiver's context, not its cancellation
	route    hostedRoute
	ev       event.Object
	attempts int
	waited   bool // found the event held by another run
	bo       backoff.BackOff
	done     chan struct{}
	out      Outcome
}

// Done is closed when the delivery has its outcome.
func (dl *Delivery) Done() <-chan struct{} { return dl.done }

// Outcome is the delivery's final outcome, once Done is closed.
func (dl *Delivery) Outcome() Outcome { <-dl.done; return dl.out }

// Wait blocks until the delivery's outcome or the end of ctx.
func (dl *Delivery) Wait(ctx context.Context) (Outcome, error) {
	select {
	case <-dl.done:
		return dl.out, nil
	case <-ctx.Done():
		return Outcome{Function: dl.Function, Status: StatusFailed, Err: ctx.Err()}, ctx.Err()
	}
}

// NewQueue returns a queue of deliveries to d's functions.
func NewQueue(d *Dispatcher, o QueueOptions) *Queue {
	if o.Workers < 1 {
		o.Workers = DefaultWorkers
	}
	q := &Queue{d: d, log: d.log, workers: o.Workers, inbox: o.Inbox, items: map[string]*Delivery{}, idle: make(chan struct{})}
	close(q.idle)
	return q
}

// Embedded wires in-process delivery for a file:// or mem:// bucket: it returns b with a
// commit hook that queues routed events for d, and the queue. Functions must write
// through the returned bucket for their commits to fire events; d is switched to it.
func Embedded(b blob.Bucket, d *Dispatcher) (blob.Bucket, *Queue) {
	return EmbeddedWorkers(b, d, DefaultWorkers)
}

// EmbeddedWorkers is Embedded with at most workers events dispatched at once.
func EmbeddedWorkers(b blob.Bucket, d *Dispatcher, workers int) (blob.Bucket, *Queue) {
	return EmbeddedWith(b, d, QueueOptions{Workers: workers})
}

// EmbeddedWith is Embedded with the queue's options: with an inbox, the commits'
// events are received durably and retried as a receiver's are.
func EmbeddedWith(b blob.Bucket, d *Dispatcher, o QueueOptions) (blob.Bucket, *Queue) {
	q := NewQueue(d, o)
	hooked := blob.WithCommitHook(b, q.onCommit)
	d.bucket = hooked
	return hooked, q
}

func (q *Queue) onCommit(ctx context.Context, a blob.Attrs) {
	if !q.d.Routed(a.Key) {
		return
	}
	q.Enqueue(ctx, event.Object{Name: event.Created, Key: a.Key, ETag: a.ETag, Size: a.Size, Time: a.ModTime})
}

// Enqueue receives ev and returns at once, logging (and keeping, see Errors) a
// failure to receive it.
func (q *Queue) Enqueue(ctx context.Context, ev event.Object) {
	if _, err := q.Receive(ctx, ev); err != nil {
		q.log.Error("event not received", "key", ev.Key, "etag", ev.ETag, "err", err)
		q.mu.Lock()
		q.errs = append(q.errs, err)
		q.stats.Failed++
		q.mu.Unlock()
	}
}

// Receive queues ev for every function hosted here that a route leads to, and
// returns their deliveries once ev is received: with an inbox, recorded in the bucket
// (an event already handled is a finished duplicate at once). It does not wait for
// the runs, which keep ctx's values but not its cancellation. An event received twice
// before it finishes is one delivery. Events no route leads from to a function here
// have none.
func (q *Queue) Receive(ctx context.Context, ev event.Object) ([]*Delivery, error) {
	routes, ev, err := q.d.routesFor(ctx, ev)
	if err != nil {
		return nil, err
	}
	var out []*Delivery
	var errs []error
	for _, r := range routes {
		dl, err := q.receive(ctx, r, ev)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s for %s: %w", r.h.f.Name, ev.Key, err))
			continue
		}
		out = append(out, dl)
	}
	return out, errors.Join(errs...)
}

func deliveryKey(fn string, ev event.Object) string { return fn + "\n" + ev.Key + "\n" + ev.ETag }

func (q *Queue) receive(ctx context.Context, r hostedRoute, ev event.Object) (*Delivery, error) {
	fn := r.h.f.Name
	k := deliveryKey(fn, ev)
	if dl := q.pending(k); dl != nil {
		return dl, nil
	}
	dl := &Delivery{Function: fn, Key: ev.Key, ETag: ev.ETag, Receipt: StatusReceived, ctx: context.WithoutCancel(ctx), route: r, ev: ev,
		bo: q.d.Options().Retry.backOff(), done: make(chan struct{})}
	if q.inbox {
		log := q.log.With("function", fn, "key", ev.Key, "etag", ev.ETag)
		o := Outcome{Function: fn, Route: r.Name}
		dup, err := q.d.handled(ctx, o, layout.EventMarker(fn, ev.Key, ev.ETag), log)
		if err != nil {
			return nil, err
		}
		if dup != nil {
			dl.out, dl.Receipt = *dup, StatusDuplicate
			close(dl.done)
			q.mu.Lock()
			q.stats.Duplicates++
			q.mu.Unlock()
			return dl, nil
		}
		e := InboxEntry{Schema: InboxSchema, Function: fn, Route: r.Name, Event: ev, Received: clock().UTC()}
		if err := putInbox(ctx, q.d.bucket, e); err != nil {
			return nil, err
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if old := q.items[k]; old != nil {
		return old, nil
	}
	q.items[k] = dl
	q.stats.Queued++
	if q.busy == 0 {
		q.idle = make(chan struct{})
	}
	q.busy++
	q.push(dl)
	return dl, nil
}

func (q *Queue) pending(k string) *Delivery {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.items[k]
}

// push makes dl ready and starts a worker if one is free. q.mu is held.
func (q *Queue) push(dl *Delivery) {
	q.ready = append(q.ready, dl)
	if q.running < q.workers && !q.stopped {
		q.running++
		go q.work()
	}
}

// Resume queues every event in the inbox of the functions hosted here: those a
// receiver recorded and did not finish (it stopped, or was killed). It returns how
// many it queued.
func (q *Queue) Resume(ctx context.Context) (int, error) {
	if !q.inbox {
		return 0, errors.New("resume: the queue has no inbox")
	}
	n := 0
	var errs []error
	for _, fn := range q.d.hostedNames() {
		entries, err := listInbox(ctx, q.d.bucket, fn)
		if err != nil {
			errs = append(errs, err)
		}
		for _, e := range entries {
			dls, err := q.Receive(ctx, e.Event)
			if err != nil {
				errs = append(errs, err)
			}
			for _, dl := range dls {
				if dl.Function == fn {
					n++
				}
			}
		}
	}
	if n > 0 {
		q.log.Info("resumed the events received and not finished", "events", n)
	}
	return n, errors.Join(errs...)
}

// work runs ready deliveries until none is left.
func (q *Queue) work() {
	for {
		q.mu.Lock()
		if len(q.ready) == 0 || q.stopped {
			q.running--
			q.mu.Unlock()
			return
		}
		dl := q.ready[0]
		q.ready = q.ready[1:]
		q.mu.Unlock()
		q.settle(dl, q.d.attempt(dl.ctx, dl.route, dl.ev, q.inbox && dl.attempts == 0 && !dl.waited))
	}
}

// settle decides what follows an attempt: wait for another run's claim, retry after a
// backoff, give up, or finish.
func (q *Queue) settle(dl *Delivery, o Outcome) {
	log := q.log.With("function", dl.Function, "key", dl.Key, "etag", dl.ETag)
	if o.Status == StatusBusy {
		dl.waited = true
		q.later(dl, q.d.Options().Poll)
		return
	}
	if o.Status != StatusDuplicate {
		dl.attempts++
	}
	o.Attempts = dl.attempts
	if o.Status != StatusFailed || o.Marked || !q.inbox {
		if o.Status == StatusFailed {
			log.Error("event run failed", "run_id", o.RunID, "err", o.Err)
		}
		q.finish(dl, o)
		return
	}
	if q.isStopped() {
		log.Warn("event left in the inbox for the next start", "run_id", o.RunID, "err", o.Err)
		q.finish(dl, o)
		return
	}
	wait := dl.bo.NextBackOff()
	if wait == backoff.Stop {
		q.finish(dl, q.giveUp(dl, o, log))
		return
	}
	log.Warn("event run failed: retrying", "run_id", o.RunID, "attempt", dl.attempts, "retry_in", wait.Round(time.Millisecond).String(), "err", o.Err)
	q.mu.Lock()
	q.stats.Retries++
	q.mu.Unlock()
	q.later(dl, wait)
}

// giveUp marks an event whose attempts are spent as failed for good.
func (q *Queue) giveUp(dl *Delivery, o Outcome, log *slog.Logger) Outcome {
	errText := ""
	if o.Err != nil {
		errText = Redact(o.Err.Error())
	}
	code := exitFailed
	var ee *ExitError
	if errors.As(o.Err, &ee) && ee.Code != 0 {
		code = ee.Code
	}
	m := Marker{Schema: MarkerSchema, Function: dl.Function, Key: dl.Key, ETag: dl.ETag, RunID: o.RunID, Status: StatusFailed,
		Error: errText, ExitCode: code, Attempts: dl.attempts, GaveUp: true, Done: clock().UTC()}
	o.Marked = q.d.writeMarker(dl.ctx, m, log)
	log.Error("event given up: every attempt failed", "run_id", o.RunID, "attempts", dl.attempts, "err", o.Err)
	q.mu.Lock()
	q.stats.GaveUp++
	q.mu.Unlock()
	return o
}

// later makes dl ready again after wait.
func (q *Queue) later(dl *Delivery, wait time.Duration) {
	time.AfterFunc(wait, func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		if q.stopped {
			q.finishLocked(dl, Outcome{Function: dl.Function, Status: StatusFailed, Attempts: dl.attempts,
				Err: errors.New("receiver stopped: the event waits in the inbox for the next start")})
			return
		}
		q.push(dl)
	})
}

func (q *Queue) isStopped() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.stopped
}

// finish records dl's outcome: a handled event leaves the inbox.
func (q *Queue) finish(dl *Delivery, o Outcome) {
	if q.inbox && o.Marked {
		key := layout.InboxEntry(dl.Function, dl.Key, dl.ETag)
		ctx, cancel := context.WithTimeout(dl.ctx, 30*time.Second)
		if err := q.d.bucket.Delete(ctx, key); err != nil {
			q.log.Warn("cannot delete a handled inbox entry: a resume will find it a duplicate", "function", dl.Function, "inbox", key, "err", err)
		}
		cancel()
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.finishLocked(dl, o)
}

func (q *Queue) finishLocked(dl *Delivery, o Outcome) {
	if q.items[deliveryKey(dl.Function, dl.ev)] != dl {
		return
	}
	delete(q.items, deliveryKey(dl.Function, dl.ev))
	if o.Err != nil && o.Status != StatusDuplicate {
		q.errs = append(q.errs, fmt.Errorf("%s for %s: %w", dl.Function, dl.Key, o.Err))
	}
	switch o.Status {
	case StatusOK:
		q.stats.OK++
	case StatusSkipped:
		q.stats.Skipped++
	case StatusDuplicate:
		q.stats.Duplicates++
	default:
		q.stats.Failed++
	}
	dl.out = o
	close(dl.done)
	q.busy--
	if q.busy == 0 {
		close(q.idle)
	}
}

// Shutdown stops starting attempts and waits, until ctx ends, for the runs in
// progress; deliveries waiting for a retry stay in the inbox for the next start.
func (q *Queue) Shutdown(ctx context.Context) error {
	q.mu.Lock()
	q.stopped = true
	ready := q.ready
	q.ready = nil
	for _, dl := range ready {
		q.finishLocked(dl, Outcome{Function: dl.Function, Status: StatusFailed, Attempts: dl.attempts,
			Err: errors.New("receiver stopped: the event waits in the inbox for the next start")})
	}
	q.mu.Unlock()
	for {
		q.mu.Lock()
		running := q.running
		q.mu.Unlock()
		if running == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Wait blocks until no event is queued, waiting for a retry or running (including
// the events that the runs themselves fire), or ctx ends.
func (q *Queue) Wait(ctx context.Context) error {
	q.mu.Lock()
	idle := q.idle
	q.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Errors returns the errors of every failed event run so far.
func (q *Queue) Errors() []error {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]error(nil), q.errs...)
}

// Stats returns the counts so far.
func (q *Queue) Stats() QueueStats {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.stats
}
