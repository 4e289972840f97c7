// Command quality-check runs the quality gate on a released day of the feed and
// writes quality/day=NN/report.json and quality/history.json (see package quality).
// A day that fails an error-severity check exits 3; warnings pass.
//
//	quality-check --day 3                    # check day 3
//	quality-check --all                      # check every released day (an unchanged day rewrites nothing)
//	quality-check --day 3 --json             # and print the report
//	quality-check --thresholds my.yaml ...   # override quality/thresholds.yaml
//	quality-check --event notification.json  # as the runtime calls it
package main

import (
	"os"

	"github.com/recpipe/recpipe/functions/internal/qualitycheck"
	"github.com/recpipe/recpipe/jobs"
)

func main() { os.Exit(jobs.Main(qualitycheck.Command())) }
