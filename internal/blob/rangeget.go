package blob

import (
	"context"
	"fmt"
	"io"
)

// RangeGetter is implemented by backends that can read part of an object.
type RangeGetter interface {
	// GetRange opens bytes [off, off+n) of the object; n < 0 means to the end.
	GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error)
}

// GetRange reads bytes [off, off+n) of key (n < 0: to the end), using the backend's
// ranged read when it has one and skipping bytes otherwise.
func GetRange(ctx context.Context, b Bucket, key string, off, n int64) (io.ReadCloser, error) {
	if rg, ok := b.(RangeGetter); ok {
		return rg.GetRange(ctx, key, off, n)
	}
	rc, err := b.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	if _, err := io.CopyN(io.Discard, rc, off); err != nil {
		rc.Close()
		return nil, fmt.Errorf("get %s range at %d: %w", key, off, err)
	}
	if n < 0 {
		return rc, nil
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(rc, n), rc}, nil
}
