package workflows

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"

	"github.com/rhysd/actionlint"
)

// ErrParse: a workflow file is not a valid workflow.
var ErrParse = errors.New("invalid workflow")

// Load parses one workflow file into actionlint's AST.
func Load(path string) (*actionlint.Workflow, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read workflow: %w", err)
	}
	w, errs := actionlint.Parse(src)
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %s:%d:%d: %s", ErrParse, path, errs[0].Line, errs[0].Column, errs[0].Message)
	}
	return w, nil
}

// Script is one run: step.
type Script struct {
	Job  string
	Step string // the step's id, else its name
	If   string // the step's if: condition, if any
	Run  string
	Env  map[string]string // the step's env: as written (expressions unevaluated)
}

// Scripts returns the run: steps of every job of w, jobs by id, steps in order.
func Scripts(w *actionlint.Workflow) []Script {
	jobs := make([]string, 0, len(w.Jobs))
	for id := range w.Jobs {
		jobs = append(jobs, id)
	}
	sort.Strings(jobs)
	var out []Script
	for _, id := range jobs {
		for _, st := range w.Jobs[id].Steps {
			run, ok := st.Exec.(*actionlint.ExecRun)
			if !ok || run.Run == nil {
				continue
			}
			s := Script{Job: id, Step: str(st.ID), If: str(st.If), Run: run.Run.Value, Env: map[string]string{}}
			if s.Step == "" {
				s.Step = str(st.Name)
			}
			if st.Env != nil {
				for _, v := range st.Env.Vars {
					s.Env[v.Name.Value] = str(v.Value)
				}
			}
			out = append(out, s)
		}
	}
	return out
}

var makeCall = regexp.MustCompile(`(?m)(?:^|[;&|(]|\bthen|\belse|\bdo)\s*make\s+([a-z][a-z0-9_-]*)`)

// MakeTargets returns the Make targets a script calls, in order of appearance.
func (s Script) MakeTargets() []string {
	var out []string
	for _, m := range makeCall.FindAllStringSubmatch(s.Run, -1) {
		out = append(out, m[1])
	}
	return out
}

func str(s *actionlint.String) string {
	if s == nil {
		return ""
	}
	return s.Value
}
