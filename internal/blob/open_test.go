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
		{"s3://b", blob.ErrBadURL},
		{"s3://Bucket", blob.ErrBadURL},
		{"s3://bkt?bogus=1", blob.ErrBadURL},
		{"s3://bkt?region=a&region=b", blob.ErrBadURL},
		{"s3://bkt?region=EU%20West", blob.ErrBadURL},
		{"s3://bkt#frag", blob.ErrBadURL},
		{"s3://bkt?endpoint=127.0.0.1:9000", blob.ErrBadURL},
		{"s3://bkt?endpoint=http://127.0.0.1:9000/?x=1", blob.ErrBadURL},
		{"s3://bkt/a/../../x", blob.ErrInvalidKey},
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

// TestOpenRefusesCredentials: a credential anywhere in a bucket URL is a usage error
// that names the environment variables to use, and the error never shows it.
func TestOpenRefusesCredentials(t *testing.T) {
	const secret = "wJalrXUtnFEMIsecret"
	for _, u := range []string{
		"s3://AKIDPLANTED:" + secret + "@bucket",
		"s3://AKIDPLANTED:" + secret + "/with/slash@bucket/prefix",
		"s3://bucket/p?endpoint=http://AKIDPLANTED:" + secret + "@127.0.0.1:9000",
		"s3://bucket/p?endpoint=http%3A%2F%2FAKIDPLANTED%3A" + secret + "%40127.0.0.1%3A9000",
		"s3://bucket?region=us-east-1&aws_secret_access_key=" + secret,
		"s3://bucket?X-Amz-Credential=AKIDPLANTED&X-Amz-Signature=" + secret,
		"s3://bucket?X-Amz-Security-Token=" + secret,
		"file://user:" + secret + "@/tmp/data",
	} {
		_, err := blob.Open(t.Context(), u)
		if !errors.Is(err, blob.ErrCredentialsInURL) || !errors.Is(err, blob.ErrBadURL) {
			t.Errorf("Open(%q) = %v; want ErrCredentialsInURL", u, err)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, secret) || !strings.Contains(msg, "AWS_ACCESS_KEY_ID") || !strings.Contains(msg, "AWS_SECRET_ACCESS_KEY") {
			t.Errorf("Open(%q): error %q shows the secret or does not name the environment variables", u, msg)
		}
	}
	_, err := blob.NewS3(t.Context(), blob.S3Options{Bucket: "bucket", Endpoint: "http://k:" + secret + "@127.0.0.1:9000"})
	if !errors.Is(err, blob.ErrCredentialsInURL) || strings.Contains(err.Error(), secret) {
		t.Errorf("NewS3 with credentials in the endpoint: %v", err)
	}
}

// TestParseURLCanonical: a location's String parses back to the same location.
func TestParseURLCanonical(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"mem://", "mem://"},
		{"file:///tmp/x/../y/", "file:///tmp/y"},
		{"file://./data", "file://./data"},
		{"file://.", "file://."},
		{"s3://bkt/p/q/?region=eu-west-1&endpoint=https://s3.example:9000", "s3://bkt/p/q?endpoint=https%3A%2F%2Fs3.example%3A9000&region=eu-west-1"},
	} {
		l, err := blob.ParseURL(tc.in)
		if err != nil {
			t.Fatalf("ParseURL(%q): %v", tc.in, err)
		}
		if got := l.String(); got != tc.want {
			t.Errorf("ParseURL(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
		again, err := blob.ParseURL(l.String())
		if err != nil || again != l {
			t.Errorf("ParseURL(%q) = %+v, %v; want %+v", l.String(), again, err, l)
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
