// Command etl-day releases the test period of a prepared dataset as a daily feed:
// day N holds test rows [floor((N-1)·T/20), floor(N·T/20)) in time order, written to
// etl/day=NN/{batch.csv,rejected.csv} and, last, etl/day=NN/_manifest.json; then
// etl/status.json is refreshed (see etl.Releaser and docs/design.md §Bucket layout, §Failure model, §Data protocol).
//
//	etl-day                     # release the next unreleased day
//	etl-day --day 3             # release day 3 (a rerun writes nothing)
//	etl-day --simulate 20       # release the next 20 unreleased days in order
//	etl-day --status            # print etl/status.json
//	etl-day --day 3 --json      # print the day's manifest
package main

import (
	"os"

	"github.com/recpipe/recpipe/functions/internal/etlday"
	"github.com/recpipe/recpipe/jobs"
)

func main() { os.Exit(jobs.Main(etlday.Command())) }
