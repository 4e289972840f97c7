package blob_test

import (
	"errors"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/redact"
)

// FuzzParseURL: any string is either refused with ErrBadURL (naming the URL as
// redact.URL shows it) or parsed into a location whose canonical String parses back
// to the same location; an accepted URL never carries credentials. Seeds:
// testdata/fuzz/FuzzParseURL.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"mem://", "file://./data", "file:///tmp/x", "s3://bkt/p?endpoint=http://127.0.0.1:9000&region=us-east-1",
		"s3://K:S@bkt", "s3://bkt?endpoint=http%3A%2F%2FK%3AS%40h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		l, err := blob.ParseURL(raw)
		if err != nil {
			if !errors.Is(err, blob.ErrBadURL) && !errors.Is(err, blob.ErrInvalidKey) {
				t.Fatalf("ParseURL(%q): %v is neither ErrBadURL nor ErrInvalidKey", raw, err)
			}
			if !strings.Contains(err.Error(), redact.URL(raw)) {
				t.Fatalf("ParseURL(%q): error %q does not name the redacted URL", raw, err)
			}
			return
		}
		if redact.URL(raw) != raw {
			t.Fatalf("ParseURL(%q) accepted a URL that carries credentials", raw)
		}
		again, err := blob.ParseURL(l.String())
		if err != nil || again != l {
			t.Fatalf("ParseURL(%q) = %+v; its String %q parses to %+v, %v", raw, l, l.String(), again, err)
		}
		if l.Scheme == "s3" && l.S3.Prefix != "" && blob.ValidateKey(l.S3.Prefix) != nil {
			t.Fatalf("ParseURL(%q): invalid prefix %q accepted", raw, l.S3.Prefix)
		}
	})
}

// FuzzValidateKey: a key ValidateKey accepts is clean, relative, and stays under any
// folder it is joined to. Seeds: testdata/fuzz/FuzzValidateKey.
func FuzzValidateKey(f *testing.F) {
	for _, s := range []string{"etl/day=01/batch.csv", "a/../b", "/abs", "a//b", "./a", "a\\b", "a\x00b", ".."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		err := blob.ValidateKey(key)
		if err != nil {
			if !errors.Is(err, blob.ErrInvalidKey) {
				t.Fatalf("ValidateKey(%q) = %v, not ErrInvalidKey", key, err)
			}
			return
		}
		if path.Clean(key) != key || strings.HasPrefix(key, "/") || strings.ContainsAny(key, "\\\x00") || key == "." {
			t.Fatalf("ValidateKey(%q) accepted an unclean key", key)
		}
		const root = "/bucket/root"
		if p := filepath.Join(root, filepath.FromSlash(key)); !strings.HasPrefix(p, root+string(filepath.Separator)) {
			t.Fatalf("key %q escapes the root: %s", key, p)
		}
	})
}
