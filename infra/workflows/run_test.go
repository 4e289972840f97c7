package workflows

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunJob(t *testing.T) {
	w, err := Load(filepath.Join("testdata", "run", "steps.yml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var out bytes.Buffer
	opts := RunOptions{Dir: dir, Values: map[string]string{"SECRET": "s3cr3t"}, Env: []string{"PATH=" + os.Getenv("PATH")}, Stdout: &out, Stderr: &out}
	if err := RunJob(context.Background(), w, "main", opts); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	got, err := os.ReadFile(filepath.Join(dir, "out.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "job-literal s3cr3t []\nthird\n"; string(got) != want {
		t.Errorf("out.txt = %q, want %q (job env, step env, no failure-only step, no other job)", got, want)
	}

	// pipefail: a failing command on the left of a pipe fails the step, named in the
	// error, and the steps after it do not run.
	err = RunJob(context.Background(), w, "pipefail", opts)
	if err == nil || !strings.Contains(err.Error(), "step left-fails") {
		t.Errorf("err = %v, want the left-fails step to fail", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "out.txt")); strings.Contains(string(got), "never") {
		t.Error("a step ran after a failed one")
	}
	if err := RunJob(context.Background(), w, "nope", opts); err == nil {
		t.Error("an unknown job was accepted")
	}
}
