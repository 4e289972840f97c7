package jobs

import (
	"context"
	"io"
	"log/slog"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/jobs/event"
)

// Env is what a running function gets from the runtime.
type Env struct {
	Bucket blob.Bucket
	Log    *slog.Logger // carries function and run_id
	Run    *Record
	// Stdout is where a command-line run prints its result for people; nil (io.Discard)
	// in event runs and in-process runs.
	Stdout io.Writer
}

// Out is env.Stdout, or io.Discard when there is none.
func (env *Env) Out() io.Writer {
	if env.Stdout == nil {
		return io.Discard
	}
	return env.Stdout
}

// Function is a pipeline function as the runtime knows it: a name, and what it does
// for one routed object event (nil when no route leads to it).
type Function struct {
	Name    string
	OnEvent func(ctx context.Context, env *Env, ev Event) error
	// MaxConcurrent bounds the runs of this function at once in one process
	// (0: no bound). 1 serialises a function that rewrites a cumulative object.
	MaxConcurrent int
}

// Event is an object event as a route hands it to a function: the notification, and
// its key parsed once, by the routing table (kind, day, model, ...).
type Event struct {
	event.Object
	Parsed layout.Key
}

// ParseEvent is o with its key parsed; a key outside the bucket layout has the zero
// Parsed (layout.KindUnknown).
func ParseEvent(o event.Object) Event {
	k, _ := layout.Parse(o.Key)
	return Event{Object: o, Parsed: k}
}

// ExitError carries a process exit code (e.g. 3 for a failed quality gate).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// Exit wraps err so that Main exits with code.
func Exit(code int, err error) error { return &ExitError{Code: code, Err: err} }
