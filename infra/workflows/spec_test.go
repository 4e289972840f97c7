package workflows

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
)

func load(t *testing.T, name string) *actionlint.Workflow {
	t.Helper()
	w, err := Load(filepath.Join(workflowsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func event[T actionlint.Event](t *testing.T, w *actionlint.Workflow) T {
	t.Helper()
	for _, e := range w.On {
		if v, ok := e.(T); ok {
			return v
		}
	}
	var zero T
	t.Fatalf("workflow %s has no %T trigger", str(w.Name), zero)
	return zero
}

func action(w *actionlint.Workflow, prefix string) *actionlint.ExecAction {
	for _, j := range w.Jobs {
		for _, st := range j.Steps {
			if a, ok := st.Exec.(*actionlint.ExecAction); ok && strings.HasPrefix(str(a.Uses), prefix) {
				return a
			}
		}
	}
	return nil
}

func input(a *actionlint.ExecAction, name string) string {
	if a == nil || a.Inputs[name] == nil {
		return ""
	}
	return str(a.Inputs[name].Value)
}

func scopes(p *actionlint.Permissions) map[string]string {
	out := map[string]string{}
	if p != nil {
		for _, s := range p.Scopes {
			out[str(s.Name)] = str(s.Value)
		}
	}
	return out
}

// checkSetupGo: Go comes from go.mod, with the module cache.
func checkSetupGo(t *testing.T, w *actionlint.Workflow) {
	t.Helper()
	a := action(w, "actions/setup-go@")
	if a == nil || input(a, "go-version-file") != "go.mod" || input(a, "cache") != "true" {
		t.Errorf("%s: want actions/setup-go with go-version-file: go.mod and cache: true", str(w.Name))
	}
}

// The credentials a step that reads the bucket gets: the OIDC step's outputs, or the
// long-lived keys of the fallback when that step was skipped.
var awsEnv = map[string]string{
	"AWS_ACCESS_KEY_ID":     "${{ steps.aws.outputs.aws-access-key-id || secrets.AWS_ACCESS_KEY_ID }}",
	"AWS_SECRET_ACCESS_KEY": "${{ steps.aws.outputs.aws-secret-access-key || secrets.AWS_SECRET_ACCESS_KEY }}",
	"AWS_SESSION_TOKEN":     "${{ steps.aws.outputs.aws-session-token }}",
}

// checkAWSCredentials: AWS credentials come through GitHub OIDC (id-token: write, the
// role of vars.AWS_ROLE_ARN assumed by aws-actions/configure-aws-credentials, the
// credentials as step outputs only); the long-lived keys are the fallback when the
// variable is unset. Credentials reach exactly the run: steps in bucketSteps (by id),
// never the build or an action.
func checkAWSCredentials(t *testing.T, w *actionlint.Workflow, job string, bucketSteps ...string) {
	t.Helper()
	name := str(w.Name)
	if scopes(w.Permissions)["id-token"] != "write" {
		t.Errorf("%s: permissions lack id-token: write (GitHub OIDC)", name)
	}
	var oidc *actionlint.Step
	for _, st := range w.Jobs[job].Steps {
		a, ok := st.Exec.(*actionlint.ExecAction)
		if !ok {
			continue
		}
		if strings.HasPrefix(str(a.Uses), "aws-actions/configure-aws-credentials@") {
			oidc = st
			want := map[string]string{"role-to-assume": "${{ vars.AWS_ROLE_ARN }}", "aws-region": "${{ vars.AWS_REGION }}",
				"output-credentials": "true", "output-env-credentials": "false"}
			for k, v := range want {
				if got := input(a, k); got != v {
					t.Errorf("%s: configure-aws-credentials %s = %q, want %q", name, k, got, v)
				}
			}
		}
		for k, in := range a.Inputs {
			if strings.Contains(str(in.Value), "secrets.") {
				t.Errorf("%s: action %s gets a secret in its input %s", name, str(a.Uses), k)
			}
		}
		if st.Env != nil {
			t.Errorf("%s: action step %s gets env vars; secrets must not reach actions", name, str(st.Name))
		}
	}
	if oidc == nil || str(oidc.ID) != "aws" || str(oidc.If) != "${{ vars.AWS_ROLE_ARN != '' }}" {
		t.Fatalf("%s: want a step id: aws running aws-actions/configure-aws-credentials if vars.AWS_ROLE_ARN is set", name)
	}
	for _, s := range Scripts(w) {
		if s.Job != job {
			continue
		}
		reads := slices.Contains(bucketSteps, s.Step)
		for k, v := range awsEnv {
			if has := s.Env[k] == v; has != reads {
				t.Errorf("%s: step %s: %s = %q; want %q only in the steps that read the bucket %v", name, s.Step, k, s.Env[k], v, bucketSteps)
			}
		}
	}
}

// reportStep returns the if: failure() step that runs pipeline report-failure.
func reportStep(t *testing.T, w *actionlint.Workflow) Script {
	t.Helper()
	for _, s := range Scripts(w) {
		if strings.Contains(s.Run, "bin/pipeline report-failure") {
			if s.If != "failure()" || s.Env["GITHUB_TOKEN"] != "${{ secrets.GITHUB_TOKEN }}" {
				t.Errorf("%s: report step has if %q and GITHUB_TOKEN %q", str(w.Name), s.If, s.Env["GITHUB_TOKEN"])
			}
			return s
		}
	}
	t.Fatalf("%s: no step runs bin/pipeline report-failure", str(w.Name))
	return Script{}
}

// targets lists the Make targets of the workflow's steps in order, and fails on a step
// (other than the failure report) that runs anything but make.
func targets(t *testing.T, w *actionlint.Workflow) []string {
	t.Helper()
	var out []string
	for _, s := range Scripts(w) {
		if strings.Contains(s.Run, "report-failure") {
			continue
		}
		got := s.MakeTargets()
		if len(got) == 0 {
			t.Errorf("%s: step %s runs no Make target:\n%s", str(w.Name), s.Step, s.Run)
		}
		out = append(out, got...)
	}
	return out
}

func TestETLDailyContract(t *testing.T) {
	w := load(t, "etl-daily.yml")
	sched := event[*actionlint.ScheduledEvent](t, w)
	if len(sched.Schedules) != 1 || str(sched.Schedules[0].Cron) != "0 2 * * *" {
		t.Errorf("schedule = %+v, want one cron 0 2 * * *", sched.Schedules)
	}
	in := event[*actionlint.WorkflowDispatchEvent](t, w).Inputs
	if d := in["day_number"]; d == nil || d.Type != actionlint.WorkflowDispatchEventInputTypeNumber || (d.Required != nil && d.Required.Value) {
		t.Errorf("day_number must be an optional number input: %+v", d)
	}
	if s := in["simulate_days"]; s == nil || s.Type != actionlint.WorkflowDispatchEventInputTypeNumber || str(s.Default) != "1" {
		t.Errorf("simulate_days must be a number input with default 1: %+v", s)
	}
	if c := w.Concurrency; c == nil || str(c.Group) == "" || c.CancelInProgress == nil || c.CancelInProgress.Value {
		t.Errorf("want a concurrency group with cancel-in-progress: false, got %+v", c)
	}
	if got, want := scopes(w.Permissions), map[string]string{"contents": "read", "issues": "write", "id-token": "write"}; !reflect.DeepEqual(got, want) {
		t.Errorf("permissions = %v, want %v", got, want)
	}
	checkSetupGo(t, w)
	if got, want := targets(t, w), []string{"build", "run-etl", "run-simulation", "run-quality", "run-ab-test", "run-retrain", "fetch-results"}; !slices.Equal(got, want) {
		t.Errorf("make targets in order = %v, want %v", got, want)
	}
	up := action(w, "actions/upload-artifact@")
	if input(up, "retention-days") != "30" || input(up, "path") != "results/" {
		t.Errorf("want actions/upload-artifact of results/ kept 30 days, got %+v", up)
	}
	rep := reportStep(t, w)
	if !strings.Contains(rep.Run, "--function etl-daily") {
		t.Errorf("report step does not name the function etl-daily:\n%s", rep.Run)
	}
	for _, key := range []string{"BUCKET_URL", "AWS_REGION"} {
		if v := w.Jobs["etl"].Env; v == nil || v.Vars[strings.ToLower(key)] == nil {
			t.Errorf("job env lacks %s", key)
		}
	}
	checkAWSCredentials(t, w, "etl", "etl", "quality", "abtest", "retrain", "fetch", "Report the failure as a GitHub issue")
}

func TestCIContract(t *testing.T) {
	w := load(t, "ci.yml")
	var names []string
	for _, e := range w.On {
		names = append(names, e.EventName())
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"pull_request", "push"}) {
		t.Errorf("ci triggers = %v, want push and pull_request", names)
	}
	checkSetupGo(t, w)
	if got := targets(t, w); !slices.Equal(got, []string{"test", "lambda-test"}) {
		t.Errorf("ci make targets = %v, want [test lambda-test]", got)
	}
}

func TestTrainContract(t *testing.T) {
	w := load(t, "train.yml")
	in := event[*actionlint.WorkflowDispatchEvent](t, w).Inputs
	m := in["model"]
	if m == nil || m.Type != actionlint.WorkflowDispatchEventInputTypeChoice {
		t.Fatalf("model must be a choice input: %+v", m)
	}
	var opts []string
	for _, o := range m.Options {
		opts = append(opts, str(o))
	}
	if !slices.Equal(opts, []string{"ncf", "ss4rec"}) {
		t.Errorf("model options = %v, want [ncf ss4rec]", opts)
	}
	if c := in["config"]; c == nil || c.Type != actionlint.WorkflowDispatchEventInputTypeString {
		t.Errorf("config must be a string input: %+v", c)
	}
	if p := in["promote"]; p == nil || p.Type != actionlint.WorkflowDispatchEventInputTypeBoolean {
		t.Errorf("promote must be a boolean input: %+v", p)
	}
	var labels []string
	for _, l := range w.Jobs["train"].RunsOn.Labels {
		labels = append(labels, str(l))
	}
	if !slices.Equal(labels, []string{"self-hosted", "gpu"}) {
		t.Errorf("runs-on = %v, want [self-hosted gpu]", labels)
	}
	checkSetupGo(t, w)
	if got := targets(t, w); !slices.Equal(got, []string{"build-cuda", "train"}) {
		t.Errorf("train make targets = %v, want [build-cuda train]", got)
	}
	reportStep(t, w)
	checkAWSCredentials(t, w, "train", "train", "Report the failure as a GitHub issue")
}

// TestNoExpressionsInScripts: inputs and other contexts reach scripts only through env
// vars, so no value can inject shell code.
func TestNoExpressionsInScripts(t *testing.T) {
	files, err := Files(workflowsDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		w, err := Load(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range Scripts(w) {
			if strings.Contains(s.Run, "${{") {
				t.Errorf("%s: step %s expands an expression inside its script:\n%s", filepath.Base(f), s.Step, s.Run)
			}
		}
	}
}

func TestMakeTargets(t *testing.T) {
	tests := []struct {
		run  string
		want []string
	}{
		{"make build", []string{"build"}},
		{"mkdir -p logs\nmake build 2>&1 | tee x", []string{"build"}},
		{"if [ -n \"$D\" ]; then\n  make run-etl DAY=\"$D\"\nelse\n  make run-simulation DAYS=1\nfi", []string{"run-etl", "run-simulation"}},
		{"echo make believe; cmake ..", nil},
		{"true && make test", []string{"test"}},
	}
	for _, tt := range tests {
		if got := (Script{Run: tt.run}).MakeTargets(); !slices.Equal(got, tt.want) {
			t.Errorf("MakeTargets(%q) = %v, want %v", tt.run, got, tt.want)
		}
	}
}

// pinnedUse is a third-party action pinned to a full commit SHA, its release in a comment.
var pinnedUse = regexp.MustCompile(`^\s*(?:-\s+)?uses:\s+[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}\s+#\s+v\d+(\.\d+)*\s*$`)

// TestActionsPinnedToCommits: every action a workflow uses is pinned to a full commit
// SHA with its version in a comment (a tag can be moved; a commit cannot).
func TestActionsPinnedToCommits(t *testing.T) {
	files, err := Files(workflowsDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for i, line := range strings.Split(string(data), "\n") {
			if !regexp.MustCompile(`^\s*(-\s+)?uses:`).MatchString(line) || strings.Contains(line, "uses: ./") {
				continue
			}
			n++
			if !pinnedUse.MatchString(line) {
				t.Errorf("%s:%d: %q is not pinned to a commit SHA with its version in a comment", filepath.Base(f), i+1, strings.TrimSpace(line))
			}
		}
		if n == 0 {
			t.Errorf("%s uses no action: the check read nothing", filepath.Base(f))
		}
	}
	for _, line := range []string{"      - uses: actions/checkout@v4", "uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1", "uses: a/b@3d3c42e # v1"} {
		if pinnedUse.MatchString(line) {
			t.Errorf("%q passes as pinned", line)
		}
	}
}
