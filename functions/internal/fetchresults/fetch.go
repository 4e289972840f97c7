package fetchresults

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
)

// resultPrefixes are the bucket folders whose JSON results Fetch copies.
var resultPrefixes = []string{layout.ETLPrefix, layout.QualityPrefix, layout.ABPrefix}

// Counts says what Fetch did: the result objects found and the files it (re)wrote.
type Counts struct{ Objects, Written int }

// isResult reports whether key is a result document Fetch copies (not ab-eval's
// derived artifacts under abtest/cache/, which only save it time).
func isResult(key string) bool {
	if k, err := layout.Parse(key); err == nil && k.Kind == layout.KindABCache {
		return false
	}
	return strings.HasSuffix(key, ".json") || key == layout.ABReport
}

// Fetch copies every result object under the etl/, quality/ and abtest/ prefixes to
// dest/<key>. A file that already holds the same bytes is left alone.
func Fetch(ctx context.Context, b blob.Bucket, dest string) (Counts, error) {
	var n Counts
	for _, prefix := range resultPrefixes {
		list, err := b.List(ctx, prefix)
		if err != nil {
			return n, fmt.Errorf("list %s: %w", prefix, err)
		}
		for _, a := range list {
			if !isResult(a.Key) {
				continue
			}
			if !filepath.IsLocal(filepath.FromSlash(a.Key)) {
				return n, fmt.Errorf("key %q: not a path inside %s", a.Key, dest)
			}
			data, err := blob.ReadAll(ctx, b, a.Key)
			if err != nil {
				return n, err
			}
			wrote, err := writeIfChanged(filepath.Join(dest, filepath.FromSlash(a.Key)), data)
			if err != nil {
				return n, err
			}
			n.Objects++
			if wrote {
				n.Written++
			}
		}
	}
	return n, nil
}

// writeIfChanged writes data to path (through a temporary file) unless it holds it.
func writeIfChanged(path string, data []byte) (bool, error) {
	old, err := os.ReadFile(path)
	switch {
	case err == nil && bytes.Equal(old, data):
		return false, nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return false, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".fetch-*")
	if err != nil {
		return false, err
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return false, err
	}
	return true, nil
}
