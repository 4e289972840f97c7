package abtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
)

// CacheSchema marks every entry of abtest/cache/: bump it whenever what an entry
// holds, or how it is computed, changes, so that older entries are never read.
const CacheSchema = "ab-cache/v1"

// cacheEntry is abtest/cache/<name>/<hash>.json: a value derived from immutable inputs,
// keyed by the sha256 of CacheSchema, name and Inputs (the checksums and parameters it
// was computed from). The entry repeats its inputs, so that a read checks them.
//
// An entry never decides an answer: a missing, undecodable or mismatching entry is
// computed again (and written again); a stored value is used only where it is checked
// or where it is the same bits the computation gives (see the callers). Its bytes are
// a pure function of its inputs, so racing writers write the same object.
type cacheEntry struct {
	Schema string          `json:"schema"`
	Name   string          `json:"name"`
	Inputs []string        `json:"inputs"`
	Value  json.RawMessage `json:"value"`
	// ValueSHA256 is the hex sha256 of Value's bytes: a damaged entry reads as one.
	ValueSHA256 string `json:"value_sha256"`
}

// cacheKey is the key of name's entry for inputs.
func cacheKey(name string, inputs []string) string {
	h := sha256.New()
	for _, s := range append([]string{CacheSchema, name}, inputs...) {
		fmt.Fprintf(h, "%d:%s\n", len(s), s)
	}
	return layout.ABCache(name, hex.EncodeToString(h.Sum(nil)))
}

// cacheState is what a cache read found.
type cacheState int

const (
	cacheMiss cacheState = iota // no entry (or the cache is off)
	cacheHit                    // an entry, decoded into the value
	cacheBad                    // an entry that cannot be used: computed again and replaced
)

// cacheGet reads name's entry for inputs into v. Any trouble is logged and reads as
// cacheBad.
func (e *Evaluator) cacheGet(ctx context.Context, name string, inputs []string, v any) cacheState {
	if e.NoCache {
		return cacheMiss
	}
	key := cacheKey(name, inputs)
	data, err := blob.ReadAll(ctx, e.Bucket, key)
	if errors.Is(err, blob.ErrNotFound) {
		return cacheMiss
	}
	if err == nil {
		err = decodeEntry(data, name, inputs, v)
	}
	if err != nil {
		e.badCache(key, err)
		return cacheBad
	}
	return cacheHit
}

// badCache logs an entry that could not be used.
func (e *Evaluator) badCache(key string, err error) {
	e.Log.Warn("cache entry unusable: computing it again", "key", key, "err", err)
}

// decodeEntry checks an entry against its name and inputs and decodes its value.
func decodeEntry(data []byte, name string, inputs []string, v any) error {
	var c cacheEntry
	if err := json.Unmarshal(data, &c); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	if c.Schema != CacheSchema || c.Name != name || !slices.Equal(c.Inputs, inputs) {
		return fmt.Errorf("entry of %s %s %q, want %s %s %q", c.Schema, c.Name, c.Inputs, CacheSchema, name, inputs)
	}
	if sum := sha256.Sum256(c.Value); hex.EncodeToString(sum[:]) != c.ValueSHA256 {
		return fmt.Errorf("value checksum %s, recorded %s", hex.EncodeToString(sum[:]), c.ValueSHA256)
	}
	dec := json.NewDecoder(bytes.NewReader(c.Value))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode value: %w", err)
	}
	return nil
}

// cachePut writes name's entry for inputs: only when absent, unless the read found it
// unusable (cacheBad). A failed write is logged: the cache only saves time.
func (e *Evaluator) cachePut(ctx context.Context, name string, inputs []string, v any, found cacheState) {
	replace := found == cacheBad
	if e.NoCache {
		return
	}
	key := cacheKey(name, inputs)
	val, err := json.Marshal(v)
	if err == nil {
		var data []byte
		sum := sha256.Sum256(val)
		data, err = json.Marshal(cacheEntry{Schema: CacheSchema, Name: name, Inputs: inputs, Value: val, ValueSHA256: hex.EncodeToString(sum[:])})
		if err == nil {
			_, err = e.Bucket.Put(ctx, key, bytes.NewReader(data), blob.PutOptions{IfAbsent: !replace, ContentType: "application/json"})
		}
	}
	if err != nil && !errors.Is(err, blob.ErrExists) {
		e.Log.Warn("cache entry not written", "key", key, "err", err)
	}
}
