package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/schemas"
)

// onlyRecord returns the one run record of function in b, raw and decoded.
func onlyRecord(t *testing.T, b blob.Bucket, function string) ([]byte, map[string]any) {
	t.Helper()
	var recs []string
	for _, k := range keys(t, b, "runs/"+function+"/") {
		if layout.IsKind(k, layout.KindRunRecord) {
			recs = append(recs, k)
		}
	}
	if len(recs) != 1 {
		t.Fatalf("run records %v, want one", recs)
	}
	data, err := blob.ReadAll(context.Background(), b, recs[0])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return data, m
}

func TestRunRecordFields(t *testing.T) {
	b := blob.NewMem()
	log, _ := testLogger(t)
	c := &CommonFlags{Bucket: "mem://"}
	body := func(ctx context.Context, env *Env) error {
		env.Run.AddInput("prepared/ml/test.csv", "prepared/ml/_manifest.json")
		env.Run.AddInput("prepared/ml/test.csv") // noted once
		env.Run.AddOutput("etl/day=01/batch.csv")
		buf := make([]byte, 8<<20) // some work for the CPU and memory figures
		for i := range buf {
			buf[i] = byte(i)
		}
		_ = buf[len(buf)-1]
		return nil
	}
	code := runWith(context.Background(), c, Function{Name: "etl-day"}, body, []string{"--day", "1"}, nil, b, log)
	if code != 0 {
		t.Fatalf("exit code %d", code)
	}
	data, m := onlyRecord(t, b, "etl-day")
	if err := schemas.Validate(data); err != nil {
		t.Errorf("record does not validate: %v", err)
	}
	for _, f := range []string{"schema", "id", "function", "trigger", "bucket", "status", "start", "end",
		"inputs", "outputs", "exit_code", "usage", "version"} {
		if _, ok := m[f]; !ok {
			t.Errorf("record has no %q", f)
		}
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{8}$`).MatchString(r.ID) {
		t.Errorf("run id %q is not time-sortable", r.ID)
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"schema", r.Schema == RecordSchema},
		{"function", r.Function == "etl-day"},
		{"status", r.Status == StatusOK && r.Error == "" && r.ExitCode == 0},
		{"trigger", r.Trigger.Kind == "cli" && strings.Join(r.Trigger.Args, " ") == "--day 1"},
		{"inputs", strings.Join(r.Inputs, ",") == "prepared/ml/test.csv,prepared/ml/_manifest.json"},
		{"outputs", strings.Join(r.Outputs, ",") == "etl/day=01/batch.csv"},
		{"times", r.End != nil && !r.End.Before(r.Start)},
		{"wall", r.Usage.WallSeconds >= 0 && r.Usage.WallSeconds < 60},
		{"cpu", r.Usage.CPUSeconds >= 0},
		{"peak memory", r.Usage.PeakRSSBytes > 8<<20},
		{"version", r.Version.Go != ""},
		{"bucket", r.Bucket == "mem://"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s wrong in %s", c.name, data)
		}
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name   string
		body   func(ctx context.Context, env *Env) error
		code   int
		status string
	}{
		{"ok", func(ctx context.Context, env *Env) error { return nil }, 0, StatusOK},
		{"plain error", func(ctx context.Context, env *Env) error { return errors.New("no input") }, 1, StatusFailed},
		{"exit error", func(ctx context.Context, env *Env) error { return Exit(3, errors.New("gate failed")) }, 3, StatusFailed},
		{"wrapped exit error", func(ctx context.Context, env *Env) error {
			return errors.Join(errors.New("x"), Exit(4, errors.New("y")))
		}, 4, StatusFailed},
		{"final exit error", func(ctx context.Context, env *Env) error { return Exit(3, Final(errors.New("gate failed"))) }, 3, StatusFailed},
		{"skip", func(ctx context.Context, env *Env) error { return Skip("nothing to release") }, 0, StatusSkipped},
		{"panic", func(ctx context.Context, env *Env) error { panic("boom") }, 1, StatusFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := blob.NewMem()
			log, _ := testLogger(t)
			code := runWith(context.Background(), &CommonFlags{}, Function{Name: "etl-day"}, tt.body, nil, nil, b, log)
			if code != tt.code {
				t.Errorf("exit code %d, want %d", code, tt.code)
			}
			_, m := onlyRecord(t, b, "etl-day")
			if m["status"] != tt.status || m["exit_code"] != float64(tt.code) {
				t.Errorf("record status %v exit_code %v, want %s %d", m["status"], m["exit_code"], tt.status, tt.code)
			}
		})
	}
}

func TestRunIDsSortByTime(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 9, 59, 59, 999e6, time.UTC)
	a, b := NewRunID(t0), NewRunID(t0.Add(time.Millisecond))
	if !(a < b) || NewRunID(t0) == a {
		t.Errorf("ids %s, %s: want sorted by time and unique", a, b)
	}
}

func TestEventFlag(t *testing.T) {
	fixture := func(name string) string { return filepath.Join("event", "testdata", name) }
	tests := []struct {
		name   string
		bucket string
		file   string
		stdin  string
		code   int
		runs   int64
	}{
		{"S3 body from a file", "mem://", fixture("s3-put-escaped.json"), "", 0, 1},
		{"same body again: duplicate", "mem://", fixture("s3-put-escaped.json"), "", 0, 1},
		{"MinIO body on stdin", "mem://", "-", minioManifest, 0, 2},
		{"unrouted (delete) event", "mem://", fixture("s3-delete.json"), "", 0, 2},
		{"s3 bucket of another name", "s3://other-bucket", fixture("s3-put-escaped.json"), "", 0, 2},
		{"not a notification", "mem://", fixture("not-notification.json"), "", exitUsage, 2},
		{"missing file", "mem://", fixture("nope.json"), "", exitUsage, 2},
	}
	b := blob.NewMem()
	var n atomic.Int64
	f := Function{Name: QualityCheck, OnEvent: func(ctx context.Context, env *Env, ev Event) error {
		n.Add(1)
		return nil
	}}
	for _, tt := range tests {
		log, _ := testLogger(t)
		c := &CommonFlags{Bucket: tt.bucket, Event: tt.file}
		code := runWith(context.Background(), c, f, nil, nil, strings.NewReader(tt.stdin), b, log)
		if code != tt.code || n.Load() != tt.runs {
			t.Errorf("%s: exit %d after %d runs, want %d after %d", tt.name, code, n.Load(), tt.code, tt.runs)
		}
	}
}

// minioManifest is a MinIO webhook body for etl/day=02/_manifest.json in bucket "recpipe".
const minioManifest = `{"EventName":"s3:ObjectCreated:Put","Key":"recpipe/etl/day=02/_manifest.json","Records":[{"eventVersion":"2.0","eventSource":"minio:s3","eventTime":"2026-11-20T10:41:22.573Z","eventName":"s3:ObjectCreated:Put","s3":{"bucket":{"name":"recpipe"},"object":{"key":"etl%2Fday%3D02%2F_manifest.json","size":3,"eTag":"abc"}}}]}`

func TestEventScopeTrimsPrefix(t *testing.T) {
	body := `{"Records":[{"eventName":"ObjectCreated:Put","eventTime":"2026-11-20T02:00:07Z","s3":{"bucket":{"name":"recpipe"},"object":{"key":"team%2Fa%2Fetl%2Fday%3D05%2F_manifest.json","eTag":"abc"}}}]}`
	dir := t.TempDir()
	file := filepath.Join(dir, "ev.json")
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	var got []string
	f := Function{Name: QualityCheck, OnEvent: func(ctx context.Context, env *Env, ev Event) error {
		got = append(got, ev.Key)
		return nil
	}}
	for _, bucket := range []string{"s3://recpipe/team/a?endpoint=http://127.0.0.1:9000", "s3://recpipe/team/b", "s3://recpipe"} {
		log, _ := testLogger(t)
		if code := runWith(context.Background(), &CommonFlags{Bucket: bucket, Event: file}, f, nil, nil, nil, blob.NewMem(), log); code != 0 {
			t.Errorf("%s: exit %d", bucket, code)
		}
	}
	if strings.Join(got, ",") != "etl/day=05/_manifest.json" {
		t.Errorf("ran for %v, want only the prefix-trimmed key under team/a", got)
	}
}

func TestMainWithoutEventHandler(t *testing.T) {
	log, _ := testLogger(t)
	c := &CommonFlags{Event: filepath.Join("event", "testdata", "s3-put-escaped.json")}
	body := func(ctx context.Context, env *Env) error { t.Error("the CLI body ran in event mode"); return nil }
	if code := runWith(context.Background(), c, Function{Name: "prepare"}, body, nil, nil, blob.NewMem(), log); code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
}

// readOnly refuses every write.
type readOnly struct{ blob.Bucket }

func (readOnly) Put(ctx context.Context, key string, r io.Reader, o blob.PutOptions) (blob.Attrs, error) {
	return blob.Attrs{}, errors.New("bucket is read-only")
}

func TestRunNeedsAWritableBucket(t *testing.T) {
	log, logs := testLogger(t)
	ran := false
	body := func(ctx context.Context, env *Env) error { ran = true; return nil }
	code := runWith(context.Background(), &CommonFlags{}, Function{Name: "etl-day"}, body, nil, nil, readOnly{blob.NewMem()}, log)
	if code != exitFailed || ran {
		t.Errorf("exit %d, body ran %v; want 1 and no run", code, ran)
	}
	if !strings.Contains(logs.String(), "bucket is read-only") {
		t.Errorf("the cause is not logged: %s", logs)
	}
}

func TestFinalKeepsTheChain(t *testing.T) {
	gate := errors.New("gate failed")
	err := fmt.Errorf("day 3: %w", Exit(3, Final(fmt.Errorf("check: %w", gate))))
	var ee *ExitError
	if !errors.Is(err, ErrFinal) || !errors.Is(err, gate) || !errors.As(err, &ee) || ee.Code != 3 {
		t.Errorf("chain lost: %v", err)
	}
	if err.Error() != "day 3: check: gate failed" {
		t.Errorf("message %q", err)
	}
	if Final(nil) != nil || errors.Is(errors.New("x"), ErrFinal) {
		t.Error("Final(nil) or a plain error is final")
	}
}

// TestMainRefusesCredentialsInTheBucketURL: a bucket URL with credentials is a usage
// error (exit 2) that runs nothing, names the environment variables to use and never
// logs the secret.
func TestMainRefusesCredentialsInTheBucketURL(t *testing.T) {
	const secret = "wJalrXUtnFEMIplanted"
	for _, u := range []string{
		"s3://AKIDPLANTED:" + secret + "@bucket/p",
		"s3://bucket/p?endpoint=http://AKIDPLANTED:" + secret + "@127.0.0.1:9000",
		"s3://bucket/p?endpoint=http%3A%2F%2FAKIDPLANTED%3A" + secret + "%40127.0.0.1%3A9000",
	} {
		log, logs := testLogger(t)
		ran := false
		body := func(ctx context.Context, env *Env) error { ran = true; return nil }
		code := runWith(t.Context(), &CommonFlags{Bucket: u}, Function{Name: "etl-day"}, body, nil, nil, nil, log)
		if code != exitUsage || ran {
			t.Errorf("%s: exit %d, body ran %v; want 2 and no run", u, code, ran)
		}
		if out := logs.String(); strings.Contains(out, secret) || !strings.Contains(out, "AWS_SECRET_ACCESS_KEY") {
			t.Errorf("%s: the log shows the secret or does not name the environment variables: %s", u, out)
		}
	}
}
