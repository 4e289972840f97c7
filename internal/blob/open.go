package blob

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
)

// ErrBadURL: Open could not make sense of a bucket URL.
var ErrBadURL = errors.New("bad bucket URL")

// Open returns the bucket named by rawURL (see the package doc for the forms).
// s3:// buckets come wrapped in WithRetry(DefaultRetryPolicy()).
func Open(ctx context.Context, rawURL string) (Bucket, error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return nil, fmt.Errorf("open %q: %w: want file://, mem:// or s3://", rawURL, ErrBadURL)
	}
	switch scheme {
	case "mem":
		if rest != "" {
			return nil, fmt.Errorf("open %q: %w: mem:// takes nothing after the scheme", rawURL, ErrBadURL)
		}
		return NewMem(), nil
	case "file":
		return openFile(rawURL, rest)
	case "s3":
		o, err := parseS3(rawURL)
		if err != nil {
			return nil, err
		}
		b, err := NewS3(ctx, o)
		if err != nil {
			return nil, fmt.Errorf("open %q: %w", rawURL, err)
		}
		return WithRetry(b, DefaultRetryPolicy()), nil
	}
	return nil, fmt.Errorf("open %q: %w: unknown scheme %q (want file, mem or s3)", rawURL, ErrBadURL, scheme)
}

// openFile accepts file:///abs/path and file://./rel/path (relative to the working folder).
func openFile(rawURL, p string) (Bucket, error) {
	switch {
	case p == "" || strings.ContainsAny(p, "?#"):
		return nil, fmt.Errorf("open %q: %w: want file:///abs/path or file://./rel/path", rawURL, ErrBadURL)
	case !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "./") && p != ".":
		return nil, fmt.Errorf("open %q: %w: a relative path must start with ./ (file://./%s)", rawURL, ErrBadURL, p)
	}
	b, err := NewFile(filepath.Clean(filepath.FromSlash(p)), rawURL)
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", rawURL, err)
	}
	return b, nil
}

// parseS3 reads s3://bucket[/prefix][?endpoint=URL&region=NAME].
func parseS3(rawURL string) (S3Options, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return S3Options{}, fmt.Errorf("open %q: %w: %v", rawURL, ErrBadURL, err)
	}
	if u.Host == "" || u.User != nil || u.Fragment != "" {
		return S3Options{}, fmt.Errorf("open %q: %w: want s3://bucket/prefix?endpoint=...&region=... (no credentials)", rawURL, ErrBadURL)
	}
	o := S3Options{Bucket: u.Host, Prefix: strings.Trim(u.Path, "/")}
	for k, v := range u.Query() {
		switch k {
		case "endpoint":
			e, err := url.Parse(v[0])
			if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" {
				return S3Options{}, fmt.Errorf("open %q: %w: endpoint %q is not an http(s) URL", rawURL, ErrBadURL, v[0])
			}
			o.Endpoint = v[0]
		case "region":
			o.Region = v[0]
		default:
			return S3Options{}, fmt.Errorf("open %q: %w: unknown parameter %q (want endpoint, region)", rawURL, ErrBadURL, k)
		}
	}
	return o, nil
}
