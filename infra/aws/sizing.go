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

// FunctionSizing gives every routed function its memory and timeout on Lambda, from
// `make lambda-bench` (BenchmarkEmulatorScale in infra/aws/lambdatest: both functions
// under the Lambda Runtime Interface Emulator on synthetic-32000000, ML-32M scale, in
// a MinIO on the same 2-core machine, 2026-12-05, shared with other work: load average
// 13-25, so wall times are upper bounds and CPU seconds the steadier figure). Lambda
// gives a function one vCPU per 1769 MB. TestEveryRoutedFunctionHasAccess keeps it
// complete; TestSizingIsMeasured keeps each figure's measurement beside it.
var FunctionSizing = map[string]Sizing{
	jobs.QualityCheck: {MemoryMB: 1024, TimeoutSec: 120, Measured: measuredBy + `
quality-check on synthetic-32000000: day 1 (cold start, builds the train profile)
11.6 CPU-s (46 s wall at load 13-25; 11 s at load 2-17); days 2-20 (warm) 0.2-0.4 CPU-s,
3 s wall at most; peak RSS 81 MiB.
MemorySize 1024: 12x the peak, and 0.58 vCPU: day 1 about 20 s.
Timeout 120: 6x that.`},
	jobs.ABEval: {MemoryMB: 6144, TimeoutSec: 900, Measured: measuredBy + `
ab-eval on synthetic-32000000, the 20-day re-evaluation a champion's event starts
(NCF and SS4Rec of the committed configs, trained one epoch on a sample: scoring
costs what the nets cost, however trained): cold start 203 CPU-s, peak RSS 3425 MiB;
again in the same warm process 199 CPU-s, peak RSS 4480 MiB. Wall 551 s and 559 s at
load 13-25 (110 s and 150 s at load 2-17, before abtest's sequential verdict).
MemorySize 6144: 1.37x the warm peak (3008 would be exceeded), 3.5 vCPU.
Timeout 900 (Lambda's most): 4.4x its CPU time on one vCPU, 1.6x the loaded wall.`},
	jobs.Retrain: {MemoryMB: 4096, TimeoutSec: 900, Measured: measuredByRetrain + `
NCF's version on synthetic data of ML-32M's shape (32,000,000 ratings, 200,948 users,
84,432 items; 2026-12-05, 2 shared cores at load ~17): tuning the fold-in (once per
champion; later runs adopt it from a stored version) 161.6 CPU-s (367 s wall); a day's
version 7.8 CPU-s (day 1, 2.88M rows folded in) to 26.4 CPU-s (day 20, 8.96M rows),
model.bin 19.6 MiB; peak RSS 2926 MiB with all 32M ratings held (the run's reads of
the bucket and the champion's load are not in it).
MemorySize 4096: 1.4x the peak, 2.3 vCPU.
Timeout 900 (Lambda's most): 4.8x the worst run's CPU (tuning and day 20) on one vCPU.`},
}

// measuredBy opens the Measured text of the functions make lambda-bench measures.
const measuredBy = "Measured by make lambda-bench (BenchmarkEmulatorScale, infra/aws/lambdatest):"

// measuredByRetrain opens the retrain function's: its cost is the fold-in's.
const measuredByRetrain = "Measured by BenchmarkRetrainDay (model/deploy), under /usr/bin/time -v:"
