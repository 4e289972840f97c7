// Command retrain is the retrain step (see package deploy and docs/design.md §Models):
// after a day is scored (its quality gate passed) it writes every refreshable model's
// version of the end of that day, deployed/<model>/day=NN/model.bin and, last, its
// marker version.json, whose event has ab-eval score the next day with it.
//
//	retrain --day 3                    # the versions of the end of day 3
//	retrain --all                      # every released day that passed quality (unchanged versions rewrite nothing)
//	retrain --event notification.json  # as the runtime calls it (abtest/day=NN/result.json)
package main

import (
	"os"

	"github.com/recpipe/recpipe/functions/internal/retrain"
	"github.com/recpipe/recpipe/jobs"
)

func main() { os.Exit(jobs.Main(retrain.Command())) }
