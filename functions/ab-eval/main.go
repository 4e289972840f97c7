// Command ab-eval compares two models' champions on the released days of the feed
// (see package abtest and docs/design.md §Failure model, §Data protocol) and writes abtest/day=NN/result.json,
// abtest/summary.json and abtest/report.html.
//
//	ab-eval --day 3                           # one day (skipped unless its quality report passed)
//	ab-eval --all                             # every released day that passed quality
//	ab-eval --all --model-b baseline:history-aware-bias   # NCF against a baseline (before SS4Rec exists)
//	ab-eval --event notification.json         # as the runtime calls it
package main

import (
	"os"

	"github.com/recpipe/recpipe/functions/internal/abeval"
	"github.com/recpipe/recpipe/jobs"
)

func main() { os.Exit(jobs.Main(abeval.Command())) }
