package blobtest

import (
	"context"
	"io"
	"sync/atomic"

	"github.com/recpipe/recpipe/internal/blob"
)

// Ranged wraps a bucket and counts the ranged reads that reach it: a wrapper above
// it that keeps ranged reads ranged leaves Ranged.N at one per blob.GetRange.
type Ranged struct {
	blob.Bucket
	N atomic.Int64
}

// GetRange counts the read and serves it from the wrapped bucket.
func (r *Ranged) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	r.N.Add(1)
	return blob.GetRange(ctx, r.Bucket, key, off, n)
}
