package awsinfra

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/recpipe/recpipe/jobs"
)

var update = flag.Bool("update", false, "rewrite template.yaml from the routing table")

func TestTemplateIsCurrent(t *testing.T) {
	got, err := Template()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("template.yaml", got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("infra/aws/template.yaml is stale: the routing table or the generator changed; " +
			"run: go test ./infra/aws -run TestTemplateIsCurrent -update")
	}
}

func TestEveryRoutedFunctionHasAccess(t *testing.T) {
	for _, fn := range jobs.Functions() {
		if _, ok := FunctionAccess[fn]; !ok {
			t.Errorf("routed function %s has no FunctionAccess entry", fn)
		}
		if _, ok := FunctionSizing[fn]; !ok {
			t.Errorf("routed function %s has no FunctionSizing entry", fn)
		}
	}
}

// The template must bind one notification per route, each to the route's function,
// and give no function a write permission outside its own prefixes.
func TestTemplateFollowsRoutes(t *testing.T) {
	data, err := Template()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Resources map[string]struct {
			Type       string         `yaml:"Type"`
			Properties map[string]any `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	bucket := doc.Resources["DataBucket"].Properties["NotificationConfiguration"].(map[string]any)
	cfgs := bucket["LambdaConfigurations"].([]any)
	if len(cfgs) != len(jobs.Routes) {
		t.Fatalf("%d notifications, want %d", len(cfgs), len(jobs.Routes))
	}
	for i, c := range cfgs {
		fn := c.(map[string]any)["Function"].(map[string]any)["Fn::GetAtt"].([]any)[0]
		if want := LogicalName(jobs.Routes[i].Function) + "Function"; fn != want {
			t.Errorf("notification %d invokes %v, want %s", i, fn, want)
		}
	}
	for name, r := range doc.Resources {
		if r.Type != "AWS::IAM::Role" {
			continue
		}
		out, _ := yaml.Marshal(r.Properties)
		if strings.Contains(string(out), `"s3:*"`) || strings.Contains(string(out), "s3:DeleteObject") {
			t.Errorf("role %s is broader than least privilege:\n%s", name, out)
		}
	}
}

func TestLogicalName(t *testing.T) {
	for in, want := range map[string]string{"ab-eval": "AbEval", "quality-check": "QualityCheck", "x": "X"} {
		if got := LogicalName(in); got != want {
			t.Errorf("LogicalName(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every function's memory and timeout come with the measurement behind them.
func TestSizingIsMeasured(t *testing.T) {
	for fn, s := range FunctionSizing {
		by := strings.HasPrefix(s.Measured, measuredBy) || strings.HasPrefix(s.Measured, measuredByRetrain)
		if !by || !strings.Contains(s.Measured, "peak RSS") {
			t.Errorf("%s: MemorySize %d and Timeout %d without the measurement behind them (Measured %q)",
				fn, s.MemoryMB, s.TimeoutSec, s.Measured)
		}
		if s.MemoryMB < 128 || s.MemoryMB > 10240 || s.TimeoutSec < 1 || s.TimeoutSec > 900 {
			t.Errorf("%s: MemorySize %d / Timeout %d outside Lambda's limits (128-10240 MB, 1-900 s)", fn, s.MemoryMB, s.TimeoutSec)
		}
	}
}
