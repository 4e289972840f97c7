package blob

import (
	"context"
	"errors"
	"io"
	"time"
)

// Sentinel errors. Backends wrap them with the key; callers test with errors.Is.
var (
	// ErrNotFound: the object does not exist.
	ErrNotFound = errors.New("object not found")
	// ErrExists: a conditional (IfAbsent) write found the key already present.
	ErrExists = errors.New("object already exists")
	// ErrInvalidKey: the key is empty, absolute, contains "..", or would escape the bucket root.
	ErrInvalidKey = errors.New("invalid object key")
)

// Attrs describes a stored object.
type Attrs struct {
	Key     string    `json:"key"`
	Size    int64     `json:"size"`
	ETag    string    `json:"etag"` // hex MD5 of the content for single-part objects on every backend
	ModTime time.Time `json:"mod_time"`
}

// PutOptions change how Put writes.
type PutOptions struct {
	// IfAbsent makes the write succeed only when no object exists under the key
	// (S3: If-None-Match: *). Otherwise Put returns an error wrapping ErrExists.
	IfAbsent bool
	// ContentType is stored where the backend supports it.
	ContentType string
}

// Bucket is a flat key space of immutable-per-write objects.
type Bucket interface {
	// Get opens the object for reading. Missing objects return an error wrapping ErrNotFound.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Stat returns the object's attributes, or an error wrapping ErrNotFound.
	Stat(ctx context.Context, key string) (Attrs, error)
	// Put stores the whole of r under key atomically and returns the new attributes.
	Put(ctx context.Context, key string, r io.Reader, opts PutOptions) (Attrs, error)
	// List returns the objects whose keys start with prefix, sorted by key.
	List(ctx context.Context, prefix string) ([]Attrs, error)
	// Delete removes the object; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// URL names the bucket (never with credentials).
	URL() string
	// Close releases resources.
	Close() error
}
