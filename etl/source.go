package etl

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// sourceRelease is a source resolved but not yet parsed: its checksum is known, so an
// already-prepared dataset is recognised before any parsing.
type sourceRelease struct {
	src    PreparedSource
	fsys   fs.FS              // the release's files
	label  string             // how errors name it: the zip or folder name
	raw    map[string]rawFile // raw/<ds>/<name> -> the bytes as read
	closer io.Closer
}

type rawFile func() (io.ReadCloser, error)

func (r *sourceRelease) Close() error {
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}

// resolveRelease finds the release opts name: a --source zip or folder, the shipped
// ml-latest-small, or a download.
func resolveRelease(ctx context.Context, opts *Options) (*sourceRelease, error) {
	switch {
	case opts.SourcePath != "":
		st, err := os.Stat(opts.SourcePath)
		if err != nil {
			return nil, fmt.Errorf("source: %w", err)
		}
		if st.IsDir() {
			return folderRelease(opts.SourcePath)
		}
		_, sha, err := fileSums(opts.SourcePath)
		if err != nil {
			return nil, fmt.Errorf("source: %w", err)
		}
		return zipFileRelease(opts.SourcePath, PreparedSource{Name: filepath.Base(opts.SourcePath), SHA256: sha})
	case opts.Dataset == DefaultDataset && opts.Shipped != nil:
		s := sha256.Sum256(opts.Shipped)
		zr, err := zip.NewReader(bytes.NewReader(opts.Shipped), int64(len(opts.Shipped)))
		if err != nil {
			return nil, fmt.Errorf("shipped %s.zip: %w", DefaultDataset, err)
		}
		name := DefaultDataset + ".zip"
		return &sourceRelease{
			src:   PreparedSource{Name: name, URL: DefaultBaseURL + "/" + name, SHA256: hex.EncodeToString(s[:])},
			fsys:  zr,
			label: name,
			raw: map[string]rawFile{name: func() (io.ReadCloser, error) {
				return io.NopCloser(bytes.NewReader(opts.Shipped)), nil
			}},
		}, nil
	default:
		f, err := fetchRelease(ctx, opts, opts.Dataset)
		if err != nil {
			return nil, err
		}
		return zipFileRelease(f.path, PreparedSource{Name: opts.Dataset + ".zip", URL: f.url, SHA256: f.sha256, MD5: f.md5})
	}
}

// zipFileRelease opens a release zip on disk.
func zipFileRelease(p string, src PreparedSource) (*sourceRelease, error) {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", src.Name, err)
	}
	return &sourceRelease{
		src: src, fsys: zr, label: src.Name, closer: zr,
		raw: map[string]rawFile{src.Name: func() (io.ReadCloser, error) { return os.Open(p) }},
	}, nil
}

// folderRelease reads an unpacked release. Its checksum is the sha256 of the lines
// "<sha256>  <file>" of the ratings and movies files, in that order.
func folderRelease(dir string) (*sourceRelease, error) {
	fsys := os.DirFS(dir)
	label := filepath.Base(dir)
	_, ratingsPath, moviesPath, err := locateRelease(fsys, label)
	if err != nil {
		return nil, err
	}
	var list strings.Builder
	raw := map[string]rawFile{}
	for _, p := range []string{ratingsPath, moviesPath} {
		full := filepath.Join(dir, filepath.FromSlash(p))
		_, s, err := fileSums(full)
		if err != nil {
			return nil, fmt.Errorf("source: %w", err)
		}
		fmt.Fprintf(&list, "%s  %s\n", s, p)
		raw[p] = func() (io.ReadCloser, error) { return os.Open(full) }
	}
	sum := sha256.Sum256([]byte(list.String()))
	return &sourceRelease{src: PreparedSource{Name: label, SHA256: hex.EncodeToString(sum[:])}, fsys: fsys, label: label, raw: raw}, nil
}

// locateRelease finds the ratings and movies files of a release anywhere in fsys
// (the shallowest of each name): CSV with a header, or the "::"-separated .dat files.
func locateRelease(fsys fs.FS, label string) (format, ratingsPath, moviesPath string, err error) {
	found := map[string]string{}
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch base := path.Base(p); base {
		case "ratings.csv", "ratings.dat", "movies.csv", "movies.dat":
			if old, ok := found[base]; !d.IsDir() && (!ok || strings.Count(p, "/") < strings.Count(old, "/")) {
				found[base] = p
			}
		}
		return nil
	})
	if err != nil {
		return "", "", "", fmt.Errorf("read release %s: %w", label, err)
	}
	switch {
	case found["ratings.csv"] != "":
		format, ratingsPath, moviesPath = "csv", found["ratings.csv"], found["movies.csv"]
	case found["ratings.dat"] != "":
		format, ratingsPath, moviesPath = "dat", found["ratings.dat"], found["movies.dat"]
	default:
		return "", "", "", fmt.Errorf("%w: %s has no ratings.csv or ratings.dat", ErrBadRelease, label)
	}
	if moviesPath == "" {
		return "", "", "", fmt.Errorf("%w: %s has %s but no movies.%s", ErrBadRelease, label, ratingsPath, format)
	}
	return format, ratingsPath, moviesPath, nil
}
