package jobs

import (
	"context"
	"io"
	"log/slog"

	"github.com/recpipe/recpipe/internal/blob"
)

// Recording returns b as a function's run sees it: every object the run reads (Get,
// GetRange) is an input of rec, every object it writes (Put) an output, in the order
// of first access. Stat, List and Delete are not recorded: they read no content
// (blob.PutIfChanged, which only Stats an unchanged object, writes nothing and records
// nothing). The runtime gives every run such a bucket (Env.Bucket), so functions
// report nothing themselves.
func Recording(b blob.Bucket, rec *Record) blob.Bucket { return &recording{Bucket: b, rec: rec} }

// NewEnv is the environment of a run of rec against b: its bucket records into rec.
func NewEnv(b blob.Bucket, log *slog.Logger, rec *Record) *Env {
	return &Env{Bucket: Recording(b, rec), Log: log, Run: rec}
}

type recording struct {
	blob.Bucket
	rec *Record
}

func (r *recording) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	rc, err := r.Bucket.Get(ctx, key)
	if err == nil {
		r.rec.AddInput(key)
	}
	return rc, err
}

// GetRange keeps ranged reads ranged through the wrapping (blob.GetRange).
func (r *recording) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	rc, err := blob.GetRange(ctx, r.Bucket, key, off, n)
	if err == nil {
		r.rec.AddInput(key)
	}
	return rc, err
}

func (r *recording) Put(ctx context.Context, key string, body io.Reader, opts blob.PutOptions) (blob.Attrs, error) {
	a, err := r.Bucket.Put(ctx, key, body, opts)
	if err == nil {
		r.rec.AddOutput(key)
	}
	return a, err
}
