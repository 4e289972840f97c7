package jobs

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/jobs/event"
)

// Env is what a running function gets from the runtime.
type Env struct {
	Bucket blob.Bucket
	Log    *slog.Logger
	Run    *Record
}

// Function is a pipeline function as the runtime knows it: a name, and what it does
// for one routed object event (nil when no route leads to it).
type Function struct {
	Name    string
	OnEvent func(ctx context.Context, env *Env, ev event.Object) error
}

// Record is the run record written to runs/<function>/<id>.json.
type Record struct {
	ID       string   `json:"id"`
	Function string   `json:"function"`
	Inputs   []string `json:"inputs"`
	Outputs  []string `json:"outputs"`
}

// AddInput notes a key the run read.
func (r *Record) AddInput(keys ...string) { r.Inputs = append(r.Inputs, keys...) }

// AddOutput notes a key the run wrote.
func (r *Record) AddOutput(keys ...string) { r.Outputs = append(r.Outputs, keys...) }

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
	Bucket   string
	LogLevel string
}

// RegisterFlags adds the common flags to fs; defaults come from the environment.
func RegisterFlags(fs *flag.FlagSet) *CommonFlags {
	c := &CommonFlags{}
	def := os.Getenv("BUCKET_URL")
	if def == "" {
		def = "file://./data"
	}
	fs.StringVar(&c.Bucket, "bucket", def, "bucket URL: file://DIR, mem://, s3://BUCKET/PREFIX?endpoint=URL&region=R (env BUCKET_URL)")
	fs.StringVar(&c.LogLevel, "log-level", envOr("LOG_LEVEL", "info"), "debug, info, warn or error (env LOG_LEVEL)")
	return c
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// Main opens the bucket, runs body inside a run record, and returns the process exit
// code: 0, the code of an ExitError, or 1.
func Main(c *CommonFlags, function string, body func(ctx context.Context, env *Env) error) int {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("function", function)
	b, err := blob.Open(ctx, c.Bucket)
	if err != nil {
		log.Error("open bucket", "err", err)
		return 1
	}
	defer b.Close()
	env := &Env{Bucket: b, Log: log, Run: &Record{Function: function}}
	if err := body(ctx, env); err != nil {
		log.Error("failed", "err", err)
		var ee *ExitError
		if errors.As(err, &ee) {
			return ee.Code
		}
		return 1
	}
	return 0
}

var _ = fmt.Sprintf
