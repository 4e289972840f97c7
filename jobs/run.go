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
	_, err := execute(ctx, b, log, function, Trigger{Kind: "in-process", Args: RedactArgs(args)}, nil, body)
	return err
}

// clock is the time source of run records and markers.
var clock = time.Now

// execute runs body inside a run record: a "running" record first (which also proves
// the bucket writable), then body (a panic becomes an error), then the final record.
// It returns the record and the error that decides the exit code (nil when the run
// succeeded or was skipped and its record was written).
func execute(ctx context.Context, b blob.Bucket, base *slog.Logger, function string, trig Trigger,
	prepare func(*Record), body func(ctx context.Context, env *Env) error) (*Record, error) {
	rec := newRecord(function, b.URL(), trig, clock())
	if prepare != nil {
		prepare(rec)
	}
	log := base.With("function", function, "run_id", rec.ID)
	if err := rec.write(ctx, b); err != nil {
		log.Error("cannot start run", "err", err)
		rec.finish(clock(), StatusFailed, err, 1)
		return rec, err
	}
	log.Info("run started", "trigger", trig.Kind, "bucket", b.URL())

	err := protect(ctx, &Env{Bucket: b, Log: log, Run: rec}, body)
	status, code := classify(err)
	rec.finish(clock(), status, err, code)

	// The record is written whatever ctx became: a cancelled run is recorded too.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
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
