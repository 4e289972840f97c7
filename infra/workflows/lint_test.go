package workflows

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var workflowsDir = filepath.Join("..", "..", ".github", "workflows")

func lintOptions(t *testing.T) Options {
	opts := Options{ConfigFile: filepath.Join("..", "..", ".github", "actionlint.yaml")}
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = sc
	} else {
		t.Log("shellcheck is not installed: run: scripts are not shell-checked")
	}
	return opts
}

// TestWorkflowsPassActionlint is the gate: any actionlint finding on any workflow fails.
func TestWorkflowsPassActionlint(t *testing.T) {
	files, err := Files(workflowsDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ci.yml", "etl-daily.yml", "train.yml"} {
		if !containsBase(files, want) {
			t.Errorf("%s is missing from %s", want, workflowsDir)
		}
	}
	findings, err := Lint(workflowsDir, lintOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		t.Errorf("actionlint: %s", f)
	}
}

// TestLintReportsMistakes shows the gate can fail: every planted mistake is found.
func TestLintReportsMistakes(t *testing.T) {
	findings, err := Lint(filepath.Join("testdata", "bad"), lintOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, f := range findings {
		all.WriteString(f.String() + "\n")
	}
	for _, line := range []int{5, 12, 16, 17, 18} {
		found := false
		for _, f := range findings {
			found = found || f.Line == line
		}
		if !found {
			t.Errorf("no finding on line %d of testdata/bad/bad.yml; got:\n%s", line, all.String())
		}
	}
}

func TestFilesNeedsWorkflows(t *testing.T) {
	if _, err := Files(t.TempDir()); err == nil {
		t.Error("an empty folder was accepted")
	}
}

func containsBase(files []string, base string) bool {
	for _, f := range files {
		if filepath.Base(f) == base {
			return true
		}
	}
	return false
}
