package jobs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/envflag"
)

// testCommand is a command with one flag of its own; ran counts its runs.
func testCommand(ran *int, events bool) Command {
	day := 0
	cmd := Command{
		Function:  Function{Name: "etl-day"},
		Purpose:   "release a day",
		ExitCodes: []envflag.ExitCode{{Code: 3, Meaning: "a gate failed"}},
		Flags:     func(s *envflag.Set) { s.Int(&day, "day", "", "release this day", envflag.Between(1, 20)) },
		Run: func(ctx context.Context, env *Env) error {
			*ran++
			env.Out().Write([]byte("day done\n"))
			return nil
		},
	}
	if events {
		cmd.OnEvent = func(ctx context.Context, env *Env, ev Event) error { *ran++; return nil }
	}
	return cmd
}

func invocation(args []string, env map[string]string) (IO, *syncBuffer, *syncBuffer) {
	out, errs := &syncBuffer{}, &syncBuffer{}
	return IO{Args: args, Getenv: func(k string) string { return env[k] }, Stdin: strings.NewReader(""), Stdout: out, Stderr: errs}, out, errs
}

func TestRunCommandUsageErrorsTouchNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bucket")
	bucket := "file://" + dir
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		events  bool
		mention string
	}{
		{"stray argument", []string{"3"}, nil, false, `unexpected argument "3"`},
		{"out of range", []string{"--day", "0"}, nil, false, "--day 0: want 1..20"},
		{"malformed bucket flag", []string{"--bucket", "ftp://x"}, nil, false, "bad bucket URL"},
		{"malformed bucket variable", nil, map[string]string{"BUCKET_URL": "data"}, false, `BUCKET_URL="data"`},
		{"credentials in the bucket URL are redacted", []string{"--bucket", "s3://AKIDEXAMPLE:hunter2pw@b"}, nil, false, "bad bucket URL"},
		{"bad log level", nil, map[string]string{"LOG_LEVEL": "loud"}, false, "LOG_LEVEL"},
		{"--event on a command without events", []string{"--event", "x.json"}, nil, false, "-event"},
		{"unreadable event file", []string{"--event", filepath.Join(dir, "nope.json")}, nil, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ran := 0
			env := map[string]string{"BUCKET_URL": bucket}
			for k, v := range tt.env {
				env[k] = v
			}
			inv, out, errs := invocation(tt.args, env)
			if code := RunCommand(t.Context(), testCommand(&ran, tt.events), inv, nil); code != envflag.ExitUsage || ran != 0 {
				t.Fatalf("exit %d after %d runs, want 2 and none; stderr %s", code, ran, errs)
			}
			if !strings.Contains(errs.String(), tt.mention) || out.String() != "" {
				t.Errorf("stderr %q does not mention %q (stdout %q)", errs, tt.mention, out)
			}
			if strings.Contains(errs.String(), "hunter2pw") {
				t.Errorf("stderr shows the secret: %s", errs)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the bucket folder was created: %v", err)
			}
		})
	}
}

func TestRunCommandHelp(t *testing.T) {
	ran := 0
	inv, out, _ := invocation([]string{"--help"}, nil)
	if code := RunCommand(t.Context(), testCommand(&ran, false), inv, nil); code != 0 || ran != 0 {
		t.Fatalf("--help: exit %d, %d runs", code, ran)
	}
	for _, want := range []string{"etl-day: release a day", "--bucket URL", "env BUCKET_URL; default " + DefaultBucketURL,
		"--log-level LEVEL", "--day N", "3  a gate failed"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out.String(), "--event") {
		t.Errorf("--event offered by a command that handles no events:\n%s", out)
	}
	inv, out, _ = invocation([]string{"-h"}, nil)
	RunCommand(t.Context(), testCommand(&ran, true), inv, nil)
	if !strings.Contains(out.String(), "--event FILE") {
		t.Errorf("--event missing from an event command's help:\n%s", out)
	}
}

func TestRunCommandRuns(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bucket")
	ran := 0
	inv, out, errs := invocation([]string{"--day", "3"}, map[string]string{"BUCKET_URL": "file://" + dir, "LOG_FORMAT": "json"})
	if code := RunCommand(t.Context(), testCommand(&ran, false), inv, nil); code != 0 || ran != 1 {
		t.Fatalf("exit %d after %d runs; stderr %s", code, ran, errs)
	}
	if out.String() != "day done\n" {
		t.Errorf("stdout %q", out)
	}
	if !strings.Contains(errs.String(), `"msg":"run done"`) {
		t.Errorf("no JSON log on stderr: %s", errs)
	}
	recs, err := filepath.Glob(filepath.Join(dir, "runs", "etl-day", "*.json"))
	if err != nil || len(recs) != 1 {
		t.Errorf("run records %v (%v), want one", recs, err)
	}
}

// A command that runs only for events refuses a command line without --event.
func TestRunCommandEventsOnly(t *testing.T) {
	ran := 0
	cmd := testCommand(&ran, true)
	cmd.Run = nil
	inv, _, errs := invocation(nil, map[string]string{"BUCKET_URL": "mem://"})
	if code := RunCommand(t.Context(), cmd, inv, nil); code != envflag.ExitUsage || !strings.Contains(errs.String(), "runs only for events") {
		t.Errorf("exit %d, stderr %s", code, errs)
	}
}
