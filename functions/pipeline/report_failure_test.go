package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/jobs"
)

const cmdToken = "ghp_CMDTEST_abcdefghijklmnopqrstuvwxyz"

func TestRunDispatch(t *testing.T) {
	tests := []struct {
		args []string
		code int
		out  string
	}{
		{nil, 2, "usage: pipeline"},
		{[]string{"help"}, 0, "report-failure"},
		{[]string{"nope"}, 2, `unknown command "nope"`},
		{[]string{"report-failure", "--kind", "x"}, 2, "function"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		code := run(context.Background(), jobs.IO{Args: tt.args, Getenv: func(string) string { return "" }, Stdout: &out, Stderr: &out})
		if code != tt.code || !strings.Contains(out.String(), tt.out) {
			t.Errorf("run(%q) = %d, %q; want %d and %q", tt.args, code, out.String(), tt.code, tt.out)
		}
	}
}

// TestReportFailureNeverPrintsToken runs the subcommand against a stub API, for real
// and dry, with the token also inside the error text, and looks for it everywhere.
func TestReportFailureNeverPrintsToken(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path+" auth="+r.Header.Get("Authorization")+" body="+string(body))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.Method {
		case "GET":
			io.WriteString(w, "[]")
		case "POST":
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"number":7,"html_url":"https://github.test/o/r/issues/7"}`)
		}
	}))
	defer srv.Close()
	env := map[string]string{
		"GITHUB_TOKEN": cmdToken, "GITHUB_REPOSITORY": "o/r", "GITHUB_API_URL": srv.URL,
		"GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "5",
	}
	getenv := func(k string) string { return env[k] }
	args := []string{"--function", "etl-daily", "--kind", "etl-day-failed", "--error", "token was " + cmdToken, "--log-level", "debug"}
	for _, extra := range [][]string{{"--dry-run"}, nil} {
		var stdout, stderr bytes.Buffer
		code := reportFailure(context.Background(), jobs.IO{Args: append(args, extra...), Getenv: getenv, Stdout: &stdout, Stderr: &stderr})
		if code != 0 {
			t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
		}
		all := stdout.String() + stderr.String()
		if strings.Contains(all, cmdToken) {
			t.Errorf("%v: the token was printed:\n%s", extra, all)
		}
		if !strings.Contains(stdout.String(), "https://github.com/o/r/actions/runs/5") {
			t.Errorf("%v: the run URL from the environment is missing:\n%s", extra, stdout.String())
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 3 || !strings.HasPrefix(seen[2], "POST /repos/o/r/issues auth=Bearer "+cmdToken) {
		t.Fatalf("requests = %q; want dry-run GET, then GET and POST with the token", seen)
	}
	if strings.Contains(seen[2][strings.Index(seen[2], " body="):], cmdToken) {
		t.Errorf("the issue body carries the token: %s", seen[2])
	}
}

// TestReportFailureResolvesRunRecord: a --run-record prefix becomes the newest failed
// record's key in a dry run without a token (no request at all).
func TestReportFailureResolvesRunRecord(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	b, err := blob.Open(ctx, "file://"+dir)
	if err != nil {
		t.Fatal(err)
	}
	for key, status := range map[string]string{"runs/etl-day/20261126T020000Z-a.json": "failed", "runs/etl-day/20261125T020000Z-b.json": "ok"} {
		if _, _, err := blob.WriteJSON(ctx, b, key, map[string]string{"schema": "run-record/v1", "status": status}); err != nil {
			t.Fatal(err)
		}
	}
	b.Close()
	env := map[string]string{"GITHUB_REPOSITORY": "o/r"}
	var stdout, stderr bytes.Buffer
	args := []string{"--function", "etl-daily", "--kind", "etl-day-failed", "--dry-run", "--bucket", "file://" + dir, "--run-record", "runs/etl-day/"}
	if code := reportFailure(ctx, jobs.IO{Args: args, Getenv: func(k string) string { return env[k] }, Stdout: &stdout, Stderr: &stderr}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if want := "Run record: `runs/etl-day/20261126T020000Z-a.json` in `file://" + dir + "`"; !strings.Contains(stdout.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, stdout.String())
	}
	if !strings.Contains(stdout.String(), "lookup skipped") {
		t.Errorf("a dry run without token should say the lookup was skipped:\n%s", stdout.String())
	}
}
