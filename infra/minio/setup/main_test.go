package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/recpipe/recpipe/jobs"
)

// Bad invocations exit 2, name what was wrong and never contact the server (an
// httptest server stands in for MinIO and counts the requests it gets).
func TestUsageErrors(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.WriteHeader(http.StatusNotFound)
	}))
	defer srv.Close()
	for _, tt := range []struct {
		args    []string
		env     map[string]string
		mention string
	}{
		{[]string{"recpipe"}, nil, `unexpected argument "recpipe"`},
		{[]string{"--bucket", ""}, nil, "--bucket"},
		{[]string{"--target-id="}, nil, "--target-id"},
		{[]string{"--nope"}, nil, "-nope"},
		{[]string{"--queue-dir", "/tmp/q"}, nil, "--print-env"},
		{[]string{"--webhook", "http://h/e"}, nil, "--print-env"},
		{[]string{"--print-env", "x"}, nil, `unexpected argument "x"`},
		{[]string{"--print-env=maybe"}, nil, "print-env"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			env := map[string]string{"MINIO_ENDPOINT": srv.URL}
			for k, v := range tt.env {
				env[k] = v
			}
			var stdout, stderr bytes.Buffer
			inv := jobs.IO{Args: tt.args, Getenv: func(k string) string { return env[k] }, Stdout: &stdout, Stderr: &stderr}
			if code := run(t.Context(), inv); code != 2 {
				t.Errorf("exit %d, want 2; stderr:\n%s", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.mention) || stdout.Len() > 0 {
				t.Errorf("stderr does not name %q (or stdout is not empty: %q):\n%s", tt.mention, stdout.String(), stderr.String())
			}
		})
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("usage errors sent %d requests to the server", n)
	}
}

// --help: the purpose, the flags with their variables, the exit codes, on stdout.
func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	inv := jobs.IO{Args: []string{"--help"}, Getenv: func(string) string { return "" }, Stdout: &stdout, Stderr: &stderr}
	if code := run(t.Context(), inv); code != 0 {
		t.Fatalf("--help: exit %d", code)
	}
	for _, want := range []string{"setup: " + purpose, "--endpoint", "MINIO_ENDPOINT", "--print-env", "exit codes:", "2  usage error"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("--help lacks %q:\n%s", want, stdout.String())
		}
	}
}

// --print-env names the webhook token's variable, never its value.
func TestPrintEnvKeepsTheToken(t *testing.T) {
	env := map[string]string{"RECPIPE_WEBHOOK_TOKEN": "planted-token-9f3c"}
	var stdout, stderr bytes.Buffer
	inv := jobs.IO{Args: []string{"--print-env", "--webhook", "http://127.0.0.1:8090/minio/events"}, Getenv: func(k string) string { return env[k] }, Stdout: &stdout, Stderr: &stderr}
	if code := run(t.Context(), inv); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String() + stderr.String()
	if strings.Contains(out, "planted-token-9f3c") || !strings.Contains(out, "$RECPIPE_WEBHOOK_TOKEN") || !strings.Contains(out, "http://127.0.0.1:8090/minio/events") {
		t.Errorf("--print-env wrote:\n%s", out)
	}
}
