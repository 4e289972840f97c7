package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
)

// ErrSkip marks a run that deliberately did nothing (e.g. the batch it was triggered
// for failed its quality gate). The run's status is "skipped", it exits 0, and an
// event that led to it counts as handled.
var ErrSkip = errors.New("skipped")

// Skip returns an error wrapping ErrSkip with the reason.
func Skip(reason string) error { return fmt.Errorf("%w: %s", ErrSkip, reason) }

// ErrFinal marks a failure that running again cannot change: a failed quality gate,
// an input that is malformed for good. An event whose run fails with it is marked as
// handled (status failed), so a redelivery runs nothing; other failures are left
// unmarked and a redelivery retries them.
var ErrFinal = errors.New("final failure")

// Final wraps err so that errors.Is(err, ErrFinal) holds; err's message and chain
// (errors.Is, errors.As, e.g. an ExitError) are kept.
func Final(err error) error {
	if err == nil {
		return nil
	}
	return finalError{err}
}

type finalError struct{ err error }

func (e finalError) Error() string   { return e.err.Error() }
func (e finalError) Unwrap() []error { return []error{e.err, ErrFinal} }

// Execute runs body as function inside a run record, for a command that hosts
// several functions in one process (pipeline demo): the record's trigger is
// "in-process" with args naming the host. It returns body's error.
func Execute(ctx context.Context, b blob.Bucket, log *slog.Logger, function string, args []string,
	body func(ctx context.Context, env *Env) error) error {
	_, err := execute(ctx, b, log, runSpec{function: function, trigger: Trigger{Kind: "in-process", Args: RedactArgs(args)}}, body)
	return err
}

// clock is the time source of run records, markers and claims.
var clock = time.Now

// DefaultLease is how long a run is known alive after its last renewal: runs renew
// their record (and their claim of an event) every third of it.
const DefaultLease = 30 * time.Second

// runSpec says how execute runs a body.
type runSpec struct {
	function string
	trigger  Trigger
	id       string        // the run id; "" for a new one
	lease    time.Duration // 0: DefaultLease
	prepare  func(*Record) // called on the new record before it is first written
	// renew, when set, is called at every renewal of the record; an error wrapping
	// ErrLostClaim cancels the run with that cause.
	renew func(ctx context.Context) error
}

// execute runs body inside a run record: a "running" record first (which also proves
// the bucket writable), renewed while body runs, then body (a panic becomes an error),
// then the final record. It returns the record and the error that decides the exit
// code (nil when the run succeeded or was skipped and its record was written).
func execute(ctx context.Context, b blob.Bucket, base *slog.Logger, spec runSpec,
	body func(ctx context.Context, env *Env) error) (*Record, error) {
	now := clock()
	rec := newRecord(spec.function, b.URL(), spec.trigger, now)
	if spec.id != "" {
		rec.ID = spec.id
	}
	lease := spec.lease
	if lease <= 0 {
		lease = DefaultLease
	}
	rec.renew(now.Add(lease))
	if spec.prepare != nil {
		spec.prepare(rec)
	}
	log := base.With("function", spec.function, "run_id", rec.ID)
	if err := rec.write(ctx, b); err != nil {
		log.Error("cannot start run", "err", err)
		rec.finish(clock(), StatusFailed, err, 1)
		return rec, err
	}
	log.Info("run started", "trigger", spec.trigger.Kind, "bucket", b.URL())

	rctx, cancel := context.WithCancelCause(withRun(ctx, spec.function, rec.ID))
	stop := renewWhileRunning(rctx, cancel, b, rec, lease, spec.renew, log)
	err := protect(rctx, NewEnv(b, log, rec), body)
	stop()
	if cause := context.Cause(rctx); err != nil && errors.Is(cause, ErrLostClaim) {
		err = fmt.Errorf("%w (%w)", err, cause)
	}
	cancel(nil)
	status, code := classify(err)
	rec.finish(clock(), status, err, code)

	// The record is written whatever ctx became: a cancelled run is recorded too.
	wctx, wcancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer wcancel()
	werr := rec.write(wctx, b)
	rec.recorded = werr == nil
	if werr != nil {
		log.Error("cannot write run record", "err", werr)
		if err == nil || errors.Is(err, ErrSkip) {
			err = werr
		} else {
			err = errors.Join(err, werr)
		}
	}
	attrs := []any{"status", rec.Status, "wall_s", rec.Usage.WallSeconds, "cpu_s", rec.Usage.CPUSeconds,
		"peak_rss_mb", rec.Usage.PeakRSSBytes >> 20, "inputs", len(rec.Inputs), "outputs", len(rec.Outputs)}
	switch status {
	case StatusFailed:
		log.Error("run failed", append(attrs, "err", err)...)
		return rec, err
	case StatusSkipped:
		log.Info("run skipped", append(attrs, "reason", rec.Error)...)
	default:
		log.Info("run done", attrs...)
	}
	if err != nil && !errors.Is(err, ErrSkip) {
		return rec, err // the record could not be written
	}
	return rec, nil
}

// renewWhileRunning rewrites rec with a later AliveUntil every third of the lease,
// and calls renew (the claim of an event), until the returned stop is called. A lost
// claim cancels ctx with it as the cause. A failed renewal is logged: the run goes on.
func renewWhileRunning(ctx context.Context, cancel context.CancelCauseFunc, b blob.Bucket, rec *Record,
	lease time.Duration, renew func(context.Context) error, log *slog.Logger) (stop func()) {
	tick := time.NewTicker(lease / 3)
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			rec.renew(clock().Add(lease))
			if err := rec.write(ctx, b); err != nil {
				log.Warn("cannot renew the run record", "err", err)
			}
			if renew == nil {
				continue
			}
			if err := renew(ctx); errors.Is(err, ErrLostClaim) {
				log.Error("run cancelled: its claim was taken over", "err", err)
				cancel(err)
				return
			} else if err != nil {
				log.Warn("cannot renew the claim", "err", err)
			}
		}
	}()
	return func() { tick.Stop(); close(done); <-stopped }
}

// protect calls body and turns a panic into an error carrying the stack.
func protect(ctx context.Context, env *Env, body func(ctx context.Context, env *Env) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			env.Log.Error("panic", "value", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return body(ctx, env)
}

// classify maps a body's error to a run status and an exit code.
func classify(err error) (string, int) {
	var ee *ExitError
	switch {
	case err == nil:
		return StatusOK, 0
	case errors.Is(err, ErrSkip):
		return StatusSkipped, 0
	case errors.As(err, &ee) && ee.Code != 0:
		return StatusFailed, ee.Code
	default:
		return StatusFailed, 1
	}
}
