package abtest

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/blob/blobtest"
	"github.com/recpipe/recpipe/internal/layout"
)

// abOutputs are the objects under abtest/ but the cache.
func abOutputs(t *testing.T, b blob.Bucket) map[string][]byte {
	t.Helper()
	out := blobtest.Objects(t, b, layout.ABPrefix)
	maps.DeleteFunc(out, func(k string, _ []byte) bool { return strings.HasPrefix(k, layout.ABPrefix+"cache/") })
	return out
}

// dropOutputs deletes the outputs, so that the next run computes them again.
func dropOutputs(t *testing.T, b blob.Bucket) {
	t.Helper()
	for k := range abOutputs(t, b) {
		if err := b.Delete(context.Background(), k); err != nil {
			t.Fatal(err)
		}
	}
}

func cacheKeys(t *testing.T, b blob.Bucket) []string {
	t.Helper()
	return slices.Sorted(maps.Keys(blobtest.Objects(t, b, layout.ABPrefix+"cache/")))
}

func sameOutputs(t *testing.T, want, got map[string][]byte, what string) {
	t.Helper()
	if len(want) == 0 || len(got) != len(want) {
		t.Fatalf("%s: %d outputs, want %d", what, len(got), len(want))
	}
	for k, w := range want {
		if !bytes.Equal(got[k], w) {
			t.Errorf("%s: %s differs from the uncached run", what, k)
		}
	}
}

// A run that reads its derived artifacts from abtest/cache/ writes the bytes of a run
// without the cache, and a corrupt or wrong entry is computed again and replaced.
func TestCachedRunEqualsUncached(t *testing.T) {
	ctx := context.Background()
	plain := newFixture(t)
	e := plain.evaluator("alpha", "beta")
	e.NoCache = true
	if _, err := e.RunAll(ctx); err != nil {
		t.Fatal(err)
	}
	if keys := cacheKeys(t, plain.b); len(keys) != 0 {
		t.Fatalf("NoCache wrote %v", keys)
	}
	want := abOutputs(t, plain.b)

	f := newFixture(t)
	ce := f.evaluator("alpha", "beta")
	if _, err := ce.RunAll(ctx); err != nil {
		t.Fatal(err)
	}
	sameOutputs(t, want, abOutputs(t, f.b), "run filling the cache")
	keys := cacheKeys(t, f.b)
	if len(keys) == 0 {
		t.Fatal("no cache entries written")
	}
	entries := blobtest.Objects(t, f.b, layout.ABPrefix+"cache/")

	dropOutputs(t, f.b)
	w := &putLog{Bucket: f.b}
	ce.Bucket = w
	if _, err := ce.RunAll(ctx); err != nil {
		t.Fatal(err)
	}
	sameOutputs(t, want, abOutputs(t, f.b), "run from the cache")
	for _, k := range w.keys {
		if strings.HasPrefix(k, layout.ABPrefix+"cache/") {
			t.Errorf("a run with every entry cached wrote %s", k)
		}
	}

	// Corrupt every entry: garbage, then well-formed entries with other values.
	corrupt := map[string]func(k string, data []byte) []byte{
		"garbage": func(string, []byte) []byte { return []byte("{not json") },
		"other values": func(k string, data []byte) []byte {
			var c cacheEntry
			if err := json.Unmarshal(data, &c); err != nil {
				t.Fatal(err)
			}
			c.Value = bytes.ReplaceAll(c.Value, []byte(`"prior":`), []byte(`"prior":1`))
			c.Value = bytes.ReplaceAll(c.Value, []byte(`"diff":`), []byte(`"diff":1`))
			out, _ := json.Marshal(c)
			return out
		},
	}
	for name, bad := range corrupt {
		for k, data := range entries {
			if _, err := blob.PutBytes(ctx, f.b, k, bad(k, data), blob.PutOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		dropOutputs(t, f.b)
		ce.Bucket = f.b
		if _, err := ce.RunAll(ctx); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sameOutputs(t, want, abOutputs(t, f.b), name)
		for k, data := range entries {
			got, _ := blob.ReadAll(ctx, f.b, k)
			if !bytes.Equal(got, data) {
				t.Errorf("%s: %s not replaced by the computed entry", name, k)
			}
		}
	}
}
