package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/recpipe/recpipe/internal/blob"
)

// docCache keeps decoded documents by key and ETag, so a page update reads only the
// objects that changed. Documents are few (days, runs, model versions): it is not evicted
// but for the keys that were overwritten.
type docCache struct {
	mu sync.Mutex
	m  map[string]cached
}

type cached struct {
	etag string
	v    any
}

func newDocCache() *docCache { return &docCache{m: map[string]cached{}} }

// cachedJSON decodes the object a lists into a T, or returns the T decoded for the same
// ETag before. The returned value is shared: callers must not change it.
func cachedJSON[T any](ctx context.Context, c *docCache, b blob.Bucket, a blob.Attrs) (*T, error) {
	return cachedDecode(ctx, c, b, a.Key, a.ETag, func(data []byte) (*T, error) {
		var v T
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, fmt.Errorf("decode %s: %w", a.Key, err)
		}
		return &v, nil
	})
}

// cachedDecode decodes the object at key with decode, or returns what it decoded
// before for the same version (an ETag, or a checksum a manifest recorded; "" is never
// cached).
func cachedDecode[T any](ctx context.Context, c *docCache, b blob.Bucket, key, version string, decode func([]byte) (*T, error)) (*T, error) {
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && version != "" && e.etag == version {
		if v, ok := e.v.(*T); ok {
			return v, nil
		}
	}
	data, err := blob.ReadAll(ctx, b, key)
	if err != nil {
		return nil, err
	}
	v, err := decode(data)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.m[key] = cached{etag: version, v: v}
	c.mu.Unlock()
	return v, nil
}
