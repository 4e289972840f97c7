package awsinfra

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/recpipe/recpipe/jobs"
)

// Sizing is a function's memory and timeout on Lambda, with where they come from.
type Sizing struct {
	MemoryMB   int
	TimeoutSec int
	// Measured says what the figures rest on: the measurement and the command that
	// repeats it. The template carries it as a comment above MemorySize.
	Measured string
}

// addSizingComments writes each function's Measured text as a comment above its
// MemorySize in the encoded template.
func addSizingComments(doc *yaml.Node, sizing map[string]Sizing) error {
	for fn, s := range sizing {
		if s.Measured == "" {
			continue
		}
		key := lookup(doc, "Resources", LogicalName(fn)+"Function", "Properties", "MemorySize")
		if key == nil {
			return fmt.Errorf("template: no MemorySize of function %s to annotate", fn)
		}
		key.HeadComment = s.Measured
	}
	return nil
}

// lookup follows map keys from a document node and returns the last key's node.
func lookup(n *yaml.Node, path ...string) *yaml.Node {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	for i, p := range path {
		if n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == p {
				if i == len(path)-1 {
					return n.Content[j]
				}
				next = n.Content[j+1]
				break
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return nil
}

// FunctionSizing gives every routed function its memory and timeout on Lambda.
// TestEveryRoutedFunctionHasAccess keeps it complete.
var FunctionSizing = map[string]Sizing{
	jobs.QualityCheck: {MemoryMB: 1024, TimeoutSec: 300},
	jobs.ABEval:       {MemoryMB: 3008, TimeoutSec: 900},
}
