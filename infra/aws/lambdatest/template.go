package lambdatest

import (
	"fmt"
	"regexp"
	"time"

	"gopkg.in/yaml.v3"

	awsinfra "github.com/recpipe/recpipe/infra/aws"
)

// Function is one function as the CloudFormation template configures it.
type Function struct {
	Name         string            // routing-table name: quality-check
	FunctionName string            // Lambda's name: recpipe-quality-check
	Env          map[string]string // Environment.Variables, Fn::Sub resolved
	Timeout      time.Duration
	MemoryMB     int
}

// TemplateFunction reads function name's settings from the template infra/aws
// generates (template.yaml is that text: its staleness test keeps them equal),
// resolving ${Param} references with params.
func TemplateFunction(name string, params map[string]string) (Function, error) {
	data, err := awsinfra.Template()
	if err != nil {
		return Function{}, err
	}
	var doc struct {
		Resources map[string]struct {
			Type       string    `yaml:"Type"`
			Properties yaml.Node `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return Function{}, fmt.Errorf("template: %w", err)
	}
	id := awsinfra.LogicalName(name) + "Function"
	r, ok := doc.Resources[id]
	if !ok || r.Type != "AWS::Lambda::Function" {
		return Function{}, fmt.Errorf("template: no AWS::Lambda::Function %s for function %s", id, name)
	}
	var p struct {
		FunctionName string `yaml:"FunctionName"`
		MemorySize   int    `yaml:"MemorySize"`
		Timeout      int    `yaml:"Timeout"`
		Environment  struct {
			Variables map[string]any `yaml:"Variables"`
		} `yaml:"Environment"`
	}
	if err := r.Properties.Decode(&p); err != nil {
		return Function{}, fmt.Errorf("template: %s: %w", id, err)
	}
	f := Function{Name: name, FunctionName: p.FunctionName, MemoryMB: p.MemorySize,
		Timeout: time.Duration(p.Timeout) * time.Second, Env: map[string]string{}}
	for k, v := range p.Environment.Variables {
		if f.Env[k], err = resolve(v, params); err != nil {
			return Function{}, fmt.Errorf("template: %s variable %s: %w", id, k, err)
		}
	}
	return f, nil
}

var subRef = regexp.MustCompile(`\$\{([A-Za-z0-9:]+)\}`)

// resolve evaluates a template value: a string, or {Fn::Sub: string} whose ${Name}
// references come from params (an unknown one is an error).
func resolve(v any, params map[string]string) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case map[string]any:
		s, ok := x["Fn::Sub"].(string)
		if !ok || len(x) != 1 {
			return "", fmt.Errorf("unsupported intrinsic %v", x)
		}
		var missing []string
		out := subRef.ReplaceAllStringFunc(s, func(ref string) string {
			name := subRef.FindStringSubmatch(ref)[1]
			val, ok := params[name]
			if !ok {
				missing = append(missing, name)
			}
			return val
		})
		if len(missing) > 0 {
			return "", fmt.Errorf("no value for %v in %q", missing, s)
		}
		return out, nil
	}
	return "", fmt.Errorf("unsupported value %v", v)
}
