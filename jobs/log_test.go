package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
)

const secret = "s3cr3t-Zq9"

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"s3://AKIAEXAMPLE:" + secret + "@minio:9000/bucket", "s3://[REDACTED]@minio:9000/bucket"},
		{"http://user@host/x", "http://[REDACTED]@host/x"},
		{"GET /b?X-Amz-Signature=" + secret + "&x=1", "GET /b?X-Amz-Signature=[REDACTED]&x=1"},
		{"AWS_SECRET_ACCESS_KEY=" + secret + " go test", "AWS_SECRET_ACCESS_KEY=[REDACTED] go test"},
		{`{"password": "` + secret + `"}`, `{"password": [REDACTED]}`},
		{"Authorization: Bearer " + secret, "Authorization: [REDACTED]"},
		{"401 for Authorization: token " + secret + " (retry)", "401 for Authorization: [REDACTED] (retry)"},
		{"header Bearer " + secret, "header Bearer [REDACTED]"},
		{"failed (token=" + secret + ")", "failed (token=[REDACTED])"},
		{"github_token=" + secret, "github_token=[REDACTED]"},
		{"key=etl/day=01/_manifest.json etag=abc", "key=etl/day=01/_manifest.json etag=abc"},
		{"file://./data", "file://./data"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactArgs(t *testing.T) {
	tests := []struct{ in, want []string }{
		{[]string{"--day", "3"}, []string{"--day", "3"}},
		{[]string{"--github-token", secret, "--day", "3"}, []string{"--github-token", Redacted, "--day", "3"}},
		{[]string{"-password=" + secret}, []string{"-password=" + Redacted}},
		{[]string{"--bucket", "s3://u:" + secret + "@h/b"}, []string{"--bucket", "s3://[REDACTED]@h/b"}},
		{[]string{"--bucket=s3://u:" + secret + "@h/b"}, []string{"--bucket=s3://[REDACTED]@h/b"}},
		{[]string{"--token"}, []string{"--token"}},
	}
	for _, tt := range tests {
		if got := RedactArgs(tt.in); strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("RedactArgs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsSecretName(t *testing.T) {
	for name, want := range map[string]bool{
		"token": true, "GITHUB_TOKEN": true, "aws_secret_access_key": true, "password": true,
		"access_key_id": true, "AWS_ACCESS_KEY_ID": true, "Authorization": true, "auth": true, "api-key": true,
		"key": false, "etag": false, "author": false, "function": false, "run_id": false, "keys": false,
	} {
		if got := IsSecretName(name); got != want {
			t.Errorf("IsSecretName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestLoggerRedacts(t *testing.T) {
	for _, json := range []bool{true, false} {
		var buf bytes.Buffer
		log, err := NewLogger(&buf, "debug", json)
		if err != nil {
			t.Fatal(err)
		}
		log.Info("connecting to s3://minio:"+secret+"@127.0.0.1:9000",
			"token", secret,
			"AWS_SECRET_ACCESS_KEY", secret,
			slog.Group("auth", "user", "admin", "pass", secret),
			slog.Group("req", "authorization", "Bearer "+secret),
			"err", errors.New("PUT failed: password="+secret),
			"args", []string{"--github-token", secret},
			"key", "etl/day=01/_manifest.json",
		)
		out := buf.String()
		if strings.Contains(out, secret) {
			t.Errorf("json=%v: secret in log: %s", json, out)
		}
		if !strings.Contains(out, "etl/day=01/_manifest.json") || !strings.Contains(out, Redacted) {
			t.Errorf("json=%v: redaction removed too much or nothing: %s", json, out)
		}
	}
}

func TestLoggerLevels(t *testing.T) {
	tests := []struct {
		level string
		valid bool
	}{{"debug", true}, {"INFO", true}, {"warn", true}, {"error", true}, {"loud", false}}
	for _, tt := range tests {
		if _, err := NewLogger(&bytes.Buffer{}, tt.level, true); (err == nil) != tt.valid {
			t.Errorf("level %q: %v", tt.level, err)
		}
	}
	if _, err := StderrLogger("info", "xml"); err == nil {
		t.Error("log format xml accepted")
	}
}

// A secret handed to a run on its command line, logged by the function and returned in
// its error appears neither in the logs nor in the run record; every log line of the
// run carries run_id and function.
func TestSecretsStayOutOfRunRecordAndLogs(t *testing.T) {
	b := blob.NewMem()
	log, logs := testLogger(t)
	body := func(ctx context.Context, env *Env) error {
		env.Log.Info("calling GitHub", "github_token", secret)
		return errors.New("GitHub said 401 for Authorization: token " + secret + " (token=" + secret + ")")
	}
	args := []string{"--github-token", secret, "--bucket=s3://ak:" + secret + "@h/b"}
	if code := runWith(context.Background(), &CommonFlags{}, Function{Name: "etl-day"}, body, args, nil, b, log); code != 1 {
		t.Fatalf("exit %d", code)
	}
	data, m := onlyRecord(t, b, "etl-day")
	if strings.Contains(string(data), secret) {
		t.Errorf("secret in run record: %s", data)
	}
	if !strings.Contains(m["error"].(string), "401") {
		t.Errorf("the error lost its meaning: %v", m["error"])
	}
	if strings.Contains(logs.String(), secret) {
		t.Errorf("secret in logs: %s", logs)
	}
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if !strings.Contains(line, `"run_id":"`+m["id"].(string)+`"`) || !strings.Contains(line, `"function":"etl-day"`) {
			t.Errorf("log line without run_id/function: %s", line)
		}
	}
}

func TestEventRunLogsCarryRunID(t *testing.T) {
	log, logs := testLogger(t)
	d := NewDispatcher(blob.NewMem(), log)
	if err := d.Register(Function{Name: QualityCheck, OnEvent: func(ctx context.Context, env *Env, ev Event) error {
		env.Log.Info("checking", "rows", 10)
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	outs, err := d.Dispatch(context.Background(), manifestEvent("e1"))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, `"msg":"checking"`) || strings.Contains(line, `"msg":"run done"`) {
			n++
			if !strings.Contains(line, `"run_id":"`+outs[0].RunID+`"`) || !strings.Contains(line, `"function":"quality-check"`) {
				t.Errorf("line without run_id/function: %s", line)
			}
		}
	}
	if n != 2 {
		t.Errorf("found %d of the run's lines, want 2: %s", n, logs)
	}
}

// Code that logs through slog.Default with a run's context (storage retries) logs
// the run's function and run id, once; loggers that carry them already add nothing.
func TestDefaultLoggerCarriesTheRunFromItsContext(t *testing.T) {
	log, logs := testLogger(t)
	prev := slog.Default()
	slog.SetDefault(log)
	defer slog.SetDefault(prev)
	d := NewDispatcher(blob.NewMem(), log)
	if err := d.Register(Function{Name: QualityCheck, OnEvent: func(ctx context.Context, env *Env, ev Event) error {
		slog.Default().WarnContext(ctx, "storage retry", "op", "put")
		env.Log.InfoContext(ctx, "own logger")
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	outs, err := d.Dispatch(context.Background(), manifestEvent("e1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range []string{"storage retry", "own logger"} {
		var line string
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, `"msg":"`+msg+`"`) {
				line = l
			}
		}
		if strings.Count(line, `"run_id":"`+outs[0].RunID+`"`) != 1 || strings.Count(line, `"function":"quality-check"`) != 1 {
			t.Errorf("%q: want the run id and function once: %s", msg, line)
		}
	}
}

// TestLogKeysAreUnique: a key the logger carries already (a caller's With("model")
// and the trainer's own) appears once per JSON line, the first value kept.
func TestLogKeysAreUnique(t *testing.T) {
	var buf bytes.Buffer
	log, err := NewLogger(&buf, "info", true)
	if err != nil {
		t.Fatal(err)
	}
	ctx := withRun(context.Background(), "train-gpu", "r1")
	log = log.With("model", "ncf", "function", "train-gpu").With("model", "ncf", "run", "ncf-1")
	log.InfoContext(ctx, "epoch", "model", "ncf", "epoch", 1, "epoch", 2)
	log.WithGroup("g").Info("grouped", "model", "inner")
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if dup := duplicateKey(t, line); dup != "" {
			t.Errorf("key %q twice in %s", dup, line)
		}
	}
	if !strings.Contains(buf.String(), `"epoch":1`) || !strings.Contains(buf.String(), `"run_id":"r1"`) || !strings.Contains(buf.String(), `"g":{"model":"inner"}`) {
		t.Errorf("lost an attribute: %s", buf.String())
	}
}

// duplicateKey returns a key that a JSON object line holds twice at its top level.
func duplicateKey(t *testing.T, line string) string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", line)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		k := tok.(string)
		if seen[k] {
			return k
		}
		seen[k] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	return ""
}
