package blob_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
)

func TestOpenBadURLs(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want error
	}{
		{"", blob.ErrBadURL},
		{"./data", blob.ErrBadURL},
		{"ftp://host/x", blob.ErrBadURL},
		{"mem://something", blob.ErrBadURL},
		{"file://", blob.ErrBadURL},
		{"file://data", blob.ErrBadURL},
		{"file:///tmp/x?mode=1", blob.ErrBadURL},
		{"s3://", blob.ErrBadURL},
		{"s3:///prefix", blob.ErrBadURL},
		{"s3://b?bogus=1", blob.ErrBadURL},
		{"s3://key:secret@b", blob.ErrBadURL},
		{"s3://b?endpoint=127.0.0.1:9000", blob.ErrBadURL},
		{"s3://b/a/../../x", blob.ErrInvalidKey},
	} {
		b, err := blob.Open(t.Context(), tc.url)
		if !errors.Is(err, tc.want) {
			t.Errorf("Open(%q) = %v, %v; want %v", tc.url, b, err, tc.want)
		}
		if err != nil && !strings.Contains(err.Error(), tc.url) {
			t.Errorf("Open(%q): error %q does not name the URL", tc.url, err)
		}
	}
}

func TestOpenS3(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI-very-secret")
	for _, tc := range []struct{ in, want string }{
		{"s3://bkt?endpoint=http://127.0.0.1:9000&region=us-east-1", "s3://bkt?endpoint=http%3A%2F%2F127.0.0.1%3A9000&region=us-east-1"},
		{"s3://bkt/runs/2026/?region=eu-west-1", "s3://bkt/runs/2026?region=eu-west-1"},
		{"s3://bkt?endpoint=http://127.0.0.1:9000", "s3://bkt?endpoint=http%3A%2F%2F127.0.0.1%3A9000&region=us-east-1"},
	} {
		b, err := blob.Open(t.Context(), tc.in)
		if err != nil {
			t.Fatalf("Open(%q): %v", tc.in, err)
		}
		if got := b.URL(); got != tc.want || strings.Contains(got, "AKID") || strings.Contains(got, "secret") {
			t.Errorf("Open(%q).URL() = %q, want %q", tc.in, got, tc.want)
		}
		if _, ok := b.(blob.RangeGetter); !ok {
			t.Errorf("Open(%q) lost ranged reads", tc.in)
		}
	}
}
