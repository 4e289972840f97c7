package jobs

import (
	"context"
	"log/slog"
	"sync"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/jobs/event"
)

// DefaultWorkers bounds how many events an embedded queue runs at once.
const DefaultWorkers = 2

// Queue delivers object events in-process: every committed write whose key a route
// matches is queued and dispatched on a bounded pool of workers, so that a stage's
// commit runs the next stage. Errors of the runs are logged and kept (Errors).
type Queue struct {
	d       *Dispatcher
	log     *slog.Logger
	workers int

	mu      sync.Mutex
	pending []queued
	running int           // workers alive
	busy    int           // events queued or being dispatched
	idle    chan struct{} // closed while busy == 0
	errs    []error
	stats   QueueStats
}

type queued struct {
	ctx context.Context
	ev  event.Object
}

// QueueStats counts what a Queue did, by outcome.
type QueueStats struct {
	Queued     int `json:"queued"`
	OK         int `json:"ok"`
	Skipped    int `json:"skipped"`
	Failed     int `json:"failed"`
	Duplicates int `json:"duplicates"`
}

// Embedded wires in-process delivery for a file:// or mem:// bucket: it returns b with a
// commit hook that queues routed events for d, and the queue. Functions must write
// through the returned bucket for their commits to fire events; d is switched to it.
func Embedded(b blob.Bucket, d *Dispatcher) (blob.Bucket, *Queue) {
	return EmbeddedWorkers(b, d, DefaultWorkers)
}

// EmbeddedWorkers is Embedded with at most workers events dispatched at once.
func EmbeddedWorkers(b blob.Bucket, d *Dispatcher, workers int) (blob.Bucket, *Queue) {
	if workers < 1 {
		workers = 1
	}
	q := &Queue{d: d, log: d.log, workers: workers, idle: make(chan struct{})}
	close(q.idle)
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

// Enqueue queues ev for dispatch and returns at once. The run keeps ctx's values but
// not its cancellation: the writer that fired the event may be long gone.
func (q *Queue) Enqueue(ctx context.Context, ev event.Object) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.pending = append(q.pending, queued{ctx: context.WithoutCancel(ctx), ev: ev})
	q.stats.Queued++
	if q.busy == 0 {
		q.idle = make(chan struct{})
	}
	q.busy++
	if q.running < q.workers {
		q.running++
		go q.work()
	}
}

// work dispatches queued events until none is left.
func (q *Queue) work() {
	for {
		q.mu.Lock()
		if len(q.pending) == 0 {
			q.running--
			q.mu.Unlock()
			return
		}
		it := q.pending[0]
		q.pending = q.pending[1:]
		q.mu.Unlock()

		outs, err := q.d.Dispatch(it.ctx, it.ev)
		if err != nil {
			q.log.Error("event run failed", "key", it.ev.Key, "etag", it.ev.ETag, "err", err)
		}

		q.mu.Lock()
		if err != nil {
			q.errs = append(q.errs, err)
		}
		for _, o := range outs {
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
		}
		if err != nil && len(outs) == 0 { // the event failed before any function ran
			q.stats.Failed++
		}
		q.busy--
		if q.busy == 0 {
			close(q.idle)
		}
		q.mu.Unlock()
	}
}

// Wait blocks until no event is queued or running (including the events that the
// runs themselves fire), or ctx ends.
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
