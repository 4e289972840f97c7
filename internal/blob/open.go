package blob

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/recpipe/recpipe/internal/redact"
)

// ErrBadURL: Open could not make sense of a bucket URL.
var ErrBadURL = errors.New("bad bucket URL")

// CredentialsEnv names where storage credentials go instead of a bucket URL.
const CredentialsEnv = "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones), or AWS_PROFILE"

// ErrCredentialsInURL (an ErrBadURL): a bucket URL carries credentials (userinfo, in
// the URL or in its endpoint, or a parameter naming a secret). They are refused, never
// used: a URL ends up in logs, run records and shell histories.
var ErrCredentialsInURL = fmt.Errorf("%w: credentials do not belong in a bucket URL; set %s in the environment", ErrBadURL, CredentialsEnv)

// Location is a parsed bucket URL.
type Location struct {
	Scheme string    // "file", "mem" or "s3"
	Dir    string    // file: the folder, cleaned, in the OS's form
	S3     S3Options // s3: Bucket, Prefix, Endpoint and Region
}

// String is the canonical URL of the location: ParseURL(l.String()) returns l.
func (l Location) String() string {
	switch l.Scheme {
	case "mem":
		return "mem://"
	case "file":
		d := filepath.ToSlash(l.Dir)
		if !strings.HasPrefix(d, "/") && d != "." {
			d = "./" + strings.TrimPrefix(d, "./")
		}
		return "file://" + d
	case "s3":
		return l.S3.url()
	}
	return ""
}

// Open returns the bucket named by rawURL (see ParseURL and the package doc for the
// forms). s3:// buckets come wrapped in WithRetry(DefaultRetryPolicy()).
func Open(ctx context.Context, rawURL string) (Bucket, error) {
	l, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	switch l.Scheme {
	case "mem":
		return NewMem(), nil
	case "file":
		b, err := NewFile(l.Dir, rawURL)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", redact.URL(rawURL), err)
		}
		return b, nil
	default:
		b, err := NewS3(ctx, l.S3)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", redact.URL(rawURL), err)
		}
		return WithRetry(b, DefaultRetryPolicy()), nil
	}
}

// ParseURL reads a bucket URL without touching anything:
//
//	mem://
//	file:///abs/path, file://./rel/path (relative to the working folder)
//	s3://bucket[/prefix][?endpoint=http(s)://host[:port]][&region=NAME]
//
// A URL carrying credentials is refused with ErrCredentialsInURL; every error names
// the URL as redact.URL prints it.
func ParseURL(rawURL string) (Location, error) {
	shown := redact.URL(rawURL)
	bad := func(format string, args ...any) (Location, error) {
		return Location{}, fmt.Errorf("open %s: %w: %s", shown, ErrBadURL, fmt.Sprintf(format, args...))
	}
	if shown != rawURL {
		return Location{}, fmt.Errorf("open %s: %w", shown, ErrCredentialsInURL)
	}
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return bad("want file://, mem:// or s3://")
	}
	switch scheme {
	case "mem":
		if rest != "" {
			return bad("mem:// takes nothing after the scheme")
		}
		return Location{Scheme: "mem"}, nil
	case "file":
		return parseFile(rest, bad)
	case "s3":
		return parseS3(shown, rest, bad)
	}
	return bad("unknown scheme %q (want file, mem or s3)", scheme)
}

type badURL func(format string, args ...any) (Location, error)

// parseFile accepts /abs/path and ./rel/path.
func parseFile(p string, bad badURL) (Location, error) {
	switch {
	case p == "" || strings.ContainsAny(p, "?#\x00"):
		return bad("want file:///abs/path or file://./rel/path")
	case !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "./") && p != ".":
		return bad("a relative path must start with ./ (file://./%s)", p)
	}
	return Location{Scheme: "file", Dir: filepath.Clean(filepath.FromSlash(p))}, nil
}

// bucketName is an S3 bucket name: 3 to 63 lower-case letters, digits, dots and
// hyphens, starting and ending with a letter or digit.
var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// regionName is an AWS region name such as eu-west-1.
var regionName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// parseS3 reads bucket[/prefix][?endpoint=URL&region=NAME].
func parseS3(shown, rest string, bad badURL) (Location, error) {
	rest, query, _ := strings.Cut(rest, "?")
	if strings.Contains(rest, "#") || strings.Contains(query, "#") {
		return bad("a bucket URL has no #fragment")
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if !bucketName.MatchString(bucket) {
		return bad("bucket name %q: want 3-63 lower-case letters, digits, dots and hyphens", bucket)
	}
	o := S3Options{Bucket: bucket, Prefix: strings.Trim(prefix, "/")}
	if o.Prefix != "" {
		if err := ValidateKey(o.Prefix); err != nil {
			return Location{}, fmt.Errorf("open %s: %w: prefix: %w", shown, ErrBadURL, err)
		}
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return bad("query: %v", err)
	}
	for k, v := range q {
		if len(v) != 1 {
			return bad("parameter %q given %d times", k, len(v))
		}
		switch k {
		case "endpoint":
			e, err := url.Parse(v[0])
			if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" || e.RawQuery != "" || e.Fragment != "" {
				return bad("endpoint %q is not an http(s)://host[:port] URL", v[0])
			}
			o.Endpoint = v[0]
		case "region":
			if !regionName.MatchString(v[0]) {
				return bad("region %q is not a region name", v[0])
			}
			o.Region = v[0]
		default:
			return bad("unknown parameter %q (want endpoint, region)", k)
		}
	}
	return Location{Scheme: "s3", S3: o}, nil
}
