package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/jobs"
)

// Bad invocations of the subcommands exit 2, say what was wrong, and create nothing
// in the bucket (here a folder with one object, which must stay alone).
func TestSubcommandUsageErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "marker.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args    []string
		env     map[string]string
		mention string
	}{
		{[]string{"demo", "3"}, nil, `unexpected argument "3"`},
		{[]string{"demo", "--days", "0"}, nil, "--days 0: want 1..20"},
		{[]string{"demo", "--days", "21"}, nil, "--days 21"},
		{[]string{"demo", "--workers", "0"}, nil, "--workers 0"},
		{[]string{"demo", "--ncf-config", "/nonexistent.yaml"}, nil, "nonexistent.yaml"},
		{[]string{"demo"}, map[string]string{"ETL_MAX_REJECTED": "x"}, `ETL_MAX_REJECTED="x"`},
		{[]string{"demo"}, map[string]string{"AB_SEED": "abc"}, `AB_SEED="abc"`},
		{[]string{"demo"}, map[string]string{"AB_MODEL_B": "baseline:nope"}, "baseline:nope"},
		{[]string{"demo"}, map[string]string{"DATASET": "ml-2m"}, "unknown dataset"},
		{[]string{"demo", "--event", "x.json"}, nil, "-event"},
		{[]string{"serve"}, nil, "RECPIPE_WEBHOOK_TOKEN"},
		{[]string{"serve", "--path", "events"}, map[string]string{"RECPIPE_WEBHOOK_TOKEN": "t"}, "--path events"},
		{[]string{"serve", "--workers", "0"}, map[string]string{"RECPIPE_WEBHOOK_TOKEN": "t"}, "--workers 0"},
		{[]string{"serve"}, map[string]string{"RECPIPE_WEBHOOK_TOKEN": "t", "AB_RESAMPLES": "5"}, "AB_RESAMPLES"},
		{[]string{"status", "now"}, nil, `unexpected argument "now"`},
		{[]string{"status", "--bucket", "s3://AKIDEXAMPLE:hunter2pw@bucket"}, nil, "bad bucket URL"},
		{[]string{"dashboard", "now"}, nil, `unexpected argument "now"`},
		{[]string{"dashboard", "--listen", "0.0.0.0:8080"}, nil, "RECPIPE_DASHBOARD_TOKEN"},
		{[]string{"dashboard", "--listen", "nohost"}, nil, "nohost"},
		{[]string{"dashboard", "--poll", "0s"}, nil, "want a positive duration"},
		{[]string{"dashboard", "--poll", "soon"}, nil, `"soon" for flag -poll`},
		{[]string{"fetch-results", "--dest", ""}, nil, "--dest"},
		{[]string{"fetch-results", "--bucket", "ftp://x"}, nil, "bad bucket URL"},
		{[]string{"report-failure", "--kind", "x"}, nil, "function"},
		{[]string{"report-failure", "--function", "f", "--kind", "x"}, map[string]string{"GITHUB_REPOSITORY": "noslash"}, "noslash"},
		{[]string{"nope"}, nil, `unknown command "nope"`},
		{nil, nil, "usage: pipeline"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			env := map[string]string{"BUCKET_URL": "file://" + dir}
			for k, v := range tt.env {
				env[k] = v
			}
			var stdout, stderr bytes.Buffer
			inv := jobs.IO{Args: tt.args, Getenv: func(k string) string { return env[k] }, Stdout: &stdout, Stderr: &stderr}
			if code := run(t.Context(), inv); code != 2 {
				t.Errorf("exit %d, want 2; stderr:\n%s", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.mention) || strings.Contains(stderr.String(), "hunter2pw") {
				t.Errorf("stderr does not name %q (or shows the secret):\n%s", tt.mention, stderr.String())
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("the bucket gained %v", entries)
			}
		})
	}
}

// Every subcommand's --help: the purpose, flags with their variables, the exit codes.
func TestSubcommandHelp(t *testing.T) {
	for _, c := range commands {
		var stdout bytes.Buffer
		inv := jobs.IO{Args: []string{c.name, "--help"}, Getenv: func(string) string { return "" }, Stdout: &stdout, Stderr: &stdout}
		if code := run(t.Context(), inv); code != 0 {
			t.Errorf("%s --help: exit %d", c.name, code)
		}
		for _, want := range []string{"pipeline " + c.name + ": " + c.summary, "--bucket URL", "exit codes:"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("%s --help lacks %q:\n%s", c.name, want, stdout.String())
			}
		}
	}
}

// pipeline --help: the purpose, every command and the exit codes, on stdout, exit 0.
func TestPipelineHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	inv := jobs.IO{Args: []string{"--help"}, Getenv: func(string) string { return "" }, Stdout: &stdout, Stderr: &stderr}
	if code := run(t.Context(), inv); code != 0 {
		t.Fatalf("pipeline --help: exit %d", code)
	}
	want := []string{purpose, "usage: pipeline <command>", "exit codes", "2  usage error"}
	for _, c := range commands {
		want = append(want, c.name)
	}
	for _, w := range want {
		if !strings.Contains(stdout.String(), w) {
			t.Errorf("pipeline --help lacks %q:\n%s", w, stdout.String())
		}
	}
}
