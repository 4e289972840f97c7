package redact_test

import (
	"fmt"
	"testing"

	"github.com/recpipe/recpipe/internal/redact"
)

func TestURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"s3://bucket/prefix?region=eu-west-1", "s3://bucket/prefix?region=eu-west-1"},
		{"file://./data", "file://./data"},
		{"file:///home/me/data@2024", "file:///home/me/data@2024"},
		{"https://api.github.com/repos/o/r/issues?state=open&per_page=100", "https://api.github.com/repos/o/r/issues?state=open&per_page=100"},
		{"s3://KEY:SECRET@bucket", "s3://[REDACTED]@bucket"},
		{"s3://KEY@bucket/p", "s3://[REDACTED]@bucket/p"},
		{"s3://KEY:SE/CRET@bucket/p", "s3://[REDACTED]@bucket/p"},
		{"s3://KEY:p@ss@bucket", "s3://[REDACTED]@bucket"},
		{"s3://b/p?endpoint=http://KEY:SECRET@127.0.0.1:9000", "s3://b/p?endpoint=http://[REDACTED]@127.0.0.1:9000"},
		{"s3://b/p?endpoint=http%3A%2F%2FKEY%3ASECRET%40127.0.0.1%3A9000&region=x", "s3://b/p?endpoint=http://[REDACTED]@127.0.0.1:9000&region=x"},
		{"s3://b?endpoint=KEY:SECRET@127.0.0.1:9000", "s3://b?endpoint=[REDACTED]@127.0.0.1:9000"},
		{"s3://b?owner=me@example.com", "s3://b?owner=me@example.com"},
		{"s3://b?aws_secret_access_key=SECRET&region=r", "s3://b?aws_secret_access_key=[REDACTED]&region=r"},
		{"https://h/x?X-Amz-Credential=AKID%2F2026&X-Amz-Signature=abc#frag", "https://h/x?X-Amz-Credential=[REDACTED]&X-Amz-Signature=[REDACTED]#frag"},
		{"https://h/cb#access_token=SECRET&state=1", "https://h/cb#access_token=[REDACTED]&state=1"},
		{"s3://b?next=https%3A%2F%2Fh%2Fx%3Ftoken%3DSECRET", "s3://b?next=https://h/x?token=[REDACTED]"},
		{"s3://b/p?endpoint=http://minio:pa&ss@h:9000&region=r", "s3://b/p?endpoint=http://[REDACTED]@h:9000&region=r"},
		{"s3://K:p?w#d@b", "s3://[REDACTED]@b"},
		// found by FuzzURL (testdata/fuzz/FuzzURL/20e13968ba3a5074): the user "0@ " escaped, the password after an '&'
		{"s3://bkt/0?endpoint=http://0%40%20:000&00@0&region=r", "s3://bkt/0?endpoint=http://[REDACTED]@0&region=r"},
		{"not a url", "not a url"},
	} {
		if got := redact.URL(tc.in); got != tc.want {
			t.Errorf("URL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`open "s3://b?endpoint=http%3A%2F%2FK%3AS%40h": refused`, `open "s3://b?endpoint=http://[REDACTED]@h": refused`},
		{"dial http://u:pw@host:9000/x failed", "dial http://[REDACTED]@host:9000/x failed"},
		{"AWS_SECRET_ACCESS_KEY=abc rest", "AWS_SECRET_ACCESS_KEY=[REDACTED] rest"},
		{"Authorization: Bearer abc.def", "Authorization: [REDACTED]"},
		{"day 3: 120 rows", "day 3: 120 rows"},
		{"--bucket s3://b/p?token=SECRET: open s3://b/p?token=SECRET: bad bucket URL",
			"--bucket s3://b/p?token=[REDACTED]: open s3://b/p?token=[REDACTED]: bad bucket URL"},
		{"see http://u:pw@h/x.", "see http://[REDACTED]@h/x."},
		{"password=[REDACTED], token: [REDACTED]", "password=[REDACTED], token: [REDACTED]"},
	} {
		if got := redact.Text(tc.in); got != tc.want {
			t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if again := redact.Text(redact.Text(tc.in)); again != redact.Text(tc.in) {
			t.Errorf("Text is not idempotent on %q: %q", tc.in, again)
		}
	}
}

func TestArgs(t *testing.T) {
	got := redact.Args([]string{"--token", "abc", "-password=pw", "--bucket", "s3://K:S@b", "--day", "3"})
	want := []string{"--token", "[REDACTED]", "-password=[REDACTED]", "--bucket", "s3://[REDACTED]@b", "--day", "3"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Args: %q, want %q", got, want)
			break
		}
	}
}

func ExampleURL() {
	fmt.Println(redact.URL("s3://recpipe/prod?endpoint=http://minio:s3cr3t@10.0.0.5:9000"))
	// Output: s3://recpipe/prod?endpoint=http://[REDACTED]@10.0.0.5:9000
}
