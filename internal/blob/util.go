package blob

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
)

// ReadAll reads a whole object.
func ReadAll(ctx context.Context, b Bucket, key string) ([]byte, error) {
	rc, err := b.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	return data, nil
}

// PutBytes stores data under key.
func PutBytes(ctx context.Context, b Bucket, key string, data []byte, opts PutOptions) (Attrs, error) {
	return b.Put(ctx, key, bytes.NewReader(data), opts)
}

// ReadJSON decodes the JSON object under key into v.
func ReadJSON(ctx context.Context, b Bucket, key string, v any) error {
	data, err := ReadAll(ctx, b, key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode %s: %w", key, err)
	}
	return nil
}

// MarshalJSON is the one JSON encoding of every document the pipeline writes:
// indented, trailing newline, map keys sorted (deterministic bytes).
func MarshalJSON(v any) ([]byte, error) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// ETagOf is the ETag every backend gives a single-part object with this content.
func ETagOf(data []byte) string {
	sum := md5.Sum(data)
	return hex.EncodeToString(sum[:])
}

// PutIfChanged writes data under key unless an identical object is already there,
// so that rerunning a job rewrites nothing (and fires no new object event).
// It reports whether it wrote.
func PutIfChanged(ctx context.Context, b Bucket, key string, data []byte) (Attrs, bool, error) {
	cur, err := b.Stat(ctx, key)
	switch {
	case err == nil && cur.Size == int64(len(data)) && cur.ETag == ETagOf(data):
		return cur, false, nil
	case err != nil && !errors.Is(err, ErrNotFound):
		return Attrs{}, false, err
	}
	a, err := PutBytes(ctx, b, key, data, PutOptions{})
	return a, err == nil, err
}

// WriteJSON encodes v with MarshalJSON and stores it with PutIfChanged.
func WriteJSON(ctx context.Context, b Bucket, key string, v any) (Attrs, bool, error) {
	data, err := MarshalJSON(v)
	if err != nil {
		return Attrs{}, false, fmt.Errorf("encode %s: %w", key, err)
	}
	return PutIfChanged(ctx, b, key, data)
}

// Exists reports whether key is present.
func Exists(ctx context.Context, b Bucket, key string) (bool, error) {
	_, err := b.Stat(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// sortAttrs orders a listing by key, as every backend returns it.
func sortAttrs(as []Attrs) {
	sort.Slice(as, func(i, j int) bool { return as[i].Key < as[j].Key })
}
