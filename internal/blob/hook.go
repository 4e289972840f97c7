package blob

import (
	"context"
	"io"
)

// CommitHook is called after a write has committed, with the new object's attributes.
// It is how file:// and mem:// buckets deliver object events in-process.
type CommitHook func(ctx context.Context, a Attrs)

// WithCommitHook returns b with hook called after every successful Put.
func WithCommitHook(b Bucket, hook CommitHook) Bucket { return &hooked{Bucket: b, hook: hook} }

type hooked struct {
	Bucket
	hook CommitHook
}

func (h *hooked) Put(ctx context.Context, key string, r io.Reader, opts PutOptions) (Attrs, error) {
	a, err := h.Bucket.Put(ctx, key, r, opts)
	if err == nil {
		h.hook(ctx, a)
	}
	return a, err
}

// GetRange forwards ranged reads to the wrapped bucket, so they survive the wrapping.
func (h *hooked) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	return GetRange(ctx, h.Bucket, key, off, n)
}
