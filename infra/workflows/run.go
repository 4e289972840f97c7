package workflows

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"

	"github.com/rhysd/actionlint"
)

// RunOptions configure RunJob.
type RunOptions struct {
	Dir string // working directory: the repository root
	// Values give the step env vars whose value is an expression (${{ secrets.X }},
	// ${{ inputs.y }}, ...), by variable name; a missing one is set to "" (as GitHub does
	// for an unset secret or input). Literal values are used as written.
	Values map[string]string
	// Env is the base environment of every step (os.Environ when nil).
	Env            []string
	Stdout, Stderr io.Writer
}

// RunJob runs the run: steps of one job of w locally, in order, as the runner would with
// `shell: bash` (bash --noprofile --norc -eo pipefail) when every step succeeds: action
// steps (checkout, setup-go, upload) are skipped, and so are steps that run only on
// failure. It stops at the first failing step and returns an error naming it.
func RunJob(ctx context.Context, w *actionlint.Workflow, job string, opts RunOptions) error {
	j := w.Jobs[job]
	if j == nil {
		return fmt.Errorf("workflow %s: no job %q", str(w.Name), job)
	}
	base := opts.Env
	if base == nil {
		base = os.Environ()
	}
	jobEnv := envOf(j.Env, opts.Values)
	for _, s := range Scripts(w) {
		if s.Job != job || strings.Contains(s.If, "failure()") {
			continue
		}
		env := append([]string(nil), base...)
		env = append(env, jobEnv...)
		env = append(env, envOf(stepEnv(s), opts.Values)...)
		cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", s.Run)
		cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = opts.Dir, env, opts.Stdout, opts.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("workflow %s, job %s, step %s: %w", str(w.Name), job, s.Step, err)
		}
	}
	return nil
}

func stepEnv(s Script) *actionlint.Env {
	e := &actionlint.Env{Vars: map[string]*actionlint.EnvVar{}}
	for k, v := range s.Env {
		e.Vars[strings.ToLower(k)] = &actionlint.EnvVar{Name: &actionlint.String{Value: k}, Value: &actionlint.String{Value: v}}
	}
	return e
}

// envOf turns an env: block into KEY=VALUE pairs, sorted by key.
func envOf(e *actionlint.Env, values map[string]string) []string {
	if e == nil {
		return nil
	}
	var out []string
	for _, v := range e.Vars {
		name, val := str(v.Name), str(v.Value)
		if actionlint.ContainsExpression(val) {
			val = values[name]
		}
		out = append(out, name+"="+val)
	}
	sort.Strings(out)
	return out
}
