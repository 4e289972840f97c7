package jobs

import (
	"context"
	"flag"
	"log/slog"
	"os"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/jobs/event"
)

// Env is what a running function gets from the runtime.
type Env struct {
	Bucket blob.Bucket
	Log    *slog.Logger // carries function and run_id
	Run    *Record
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

// CommonFlags are the flags every function binary has.
type CommonFlags struct {
	Bucket    string
	LogLevel  string
	LogFormat string
	// Event, when set, names a file holding an S3 or MinIO notification body ("-":
	// stdin); the binary then runs its OnEvent for the events routed to it.
	Event string
}

// RegisterFlags adds the common flags to fs; defaults come from the environment.
func RegisterFlags(fs *flag.FlagSet) *CommonFlags {
	c := &CommonFlags{}
	fs.StringVar(&c.Bucket, "bucket", EnvOr("BUCKET_URL", "file://./data"), "bucket URL: file://DIR, mem://, s3://BUCKET/PREFIX?endpoint=URL&region=R (env BUCKET_URL)")
	fs.StringVar(&c.LogLevel, "log-level", EnvOr("LOG_LEVEL", "info"), "debug, info, warn or error (env LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", EnvOr("LOG_FORMAT", "auto"), "auto (JSON unless stderr is a terminal), json or text (env LOG_FORMAT)")
	fs.StringVar(&c.Event, "event", "", "run for the S3 / MinIO notification JSON in FILE (- for stdin) instead of the command line")
	return c
}

// EnvOr returns the environment variable k, or def when it is unset or empty: the
// default of a flag that the environment may set.
func EnvOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// Main opens the bucket, runs body inside a run record, and returns the process exit
// code: 0, the code of an ExitError, or 1.
func Main(c *CommonFlags, function string, body func(ctx context.Context, env *Env) error) int {
	return MainFunction(c, Function{Name: function}, body)
}

// MainFunction is Main for a function that also handles events: with --event set it
// decodes the notification and runs f.OnEvent for every event routed to f (with
// de-duplication); otherwise it runs cli for the command line.
func MainFunction(c *CommonFlags, f Function, cli func(ctx context.Context, env *Env) error) int {
	ctx, stop := signalContext()
	defer stop()
	return run(ctx, c, f, cli, os.Args[1:], os.Stdin, nil)
}
