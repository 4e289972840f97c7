package workflows

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rhysd/actionlint"
)

// ErrNoWorkflows: the folder holds no *.yml or *.yaml file.
var ErrNoWorkflows = errors.New("no workflow files")

// Finding is one actionlint error.
type Finding struct {
	File    string
	Line    int
	Column  int
	Rule    string
	Message string
}

func (f Finding) String() string {
	return fmt.Sprintf("%s:%d:%d: %s [%s]", f.File, f.Line, f.Column, f.Message, f.Rule)
}

// Options configure Lint.
type Options struct {
	// ConfigFile is an actionlint config; empty means none.
	ConfigFile string
	// Shellcheck is the shellcheck executable to run on run: scripts; empty skips it.
	Shellcheck string
}

// Files lists the workflow files (*.yml, *.yaml) directly in dir, sorted.
func Files(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list workflows: %w", err)
	}
	var files []string
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); !e.IsDir() && (ext == ".yml" || ext == ".yaml") {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w in %s", ErrNoWorkflows, dir)
	}
	sort.Strings(files)
	return files, nil
}

// Lint runs actionlint on every workflow file in dir and returns its findings, sorted by
// file and position. The error is for actionlint itself failing, not for findings.
func Lint(dir string, opts Options) ([]Finding, error) {
	files, err := Files(dir)
	if err != nil {
		return nil, err
	}
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{
		ConfigFile: opts.ConfigFile,
		Shellcheck: opts.Shellcheck,
		Color:      actionlint.ColorOptionKindNever,
	})
	if err != nil {
		return nil, fmt.Errorf("actionlint: %w", err)
	}
	errs, err := l.LintFiles(files, nil)
	if err != nil {
		return nil, fmt.Errorf("actionlint on %s: %w", dir, err)
	}
	out := make([]Finding, 0, len(errs))
	for _, e := range errs {
		out = append(out, Finding{File: e.Filepath, Line: e.Line, Column: e.Column, Rule: e.Kind, Message: strings.TrimSpace(e.Message)})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Line < out[j].Line || (out[i].Line == out[j].Line && out[i].Column < out[j].Column)
	})
	return out, nil
}
