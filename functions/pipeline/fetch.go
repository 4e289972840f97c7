package main

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
	"github.com/recpipe/recpipe/internal/envflag"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/jobs"
)

// resultPrefixes are the bucket folders whose JSON results fetch-results copies.
var resultPrefixes = []string{layout.ETLPrefix, layout.QualityPrefix, layout.ABPrefix}

const fetchPurpose = "copy the etl/, quality/ and abtest/ JSON results (and report.html) into --dest"

// fetchResultsCmd copies the JSON results (and the A/B report) into a folder.
func fetchResultsCmd(ctx context.Context, inv jobs.IO) int {
	dest := "results"
	common, _, code, done := parse("fetch-results", fetchPurpose, inv, func(s *envflag.Set) {
		s.String(&dest, "dest", "", "`DIR` to copy into, keeping the bucket's keys", envflag.NotEmpty())
	})
	if done {
		return code
	}
	b, err := blob.Open(ctx, common.Bucket)
	if err != nil {
		fmt.Fprintln(inv.Stderr, "pipeline fetch-results:", jobs.Redact(err.Error()))
		return 1
	}
	defer b.Close()
	n, err := fetchResults(ctx, b, dest)
	if err != nil {
		fmt.Fprintln(inv.Stderr, "pipeline fetch-results:", jobs.Redact(err.Error()))
		return 1
	}
	fmt.Fprintf(inv.Stdout, "fetched %d objects into %s (%d changed)\n", n.objects, dest, n.written)
	return 0
}

type fetched struct{ objects, written int }

// isResult reports whether key is a result document fetch-results copies.
func isResult(key string) bool { return strings.HasSuffix(key, ".json") || key == layout.ABReport }

// fetchResults copies every result object under resultPrefixes to dest/<key>. A file
// that already holds the same bytes is left alone.
func fetchResults(ctx context.Context, b blob.Bucket, dest string) (fetched, error) {
	var n fetched
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
			n.objects++
			if wrote {
				n.written++
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
