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
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/recpipe/recpipe/functions/internal/handlers"
	"github.com/recpipe/recpipe/jobs"
	"github.com/recpipe/recpipe/quality"
)

func main() {
	fs := flag.NewFlagSet("quality-check", flag.ExitOnError)
	common := jobs.RegisterFlags(fs)
	cfg := handlers.QualityConfigFromEnv()
	day := fs.Int("day", 0, "check this released day (1..20)")
	all := fs.Bool("all", false, "check every released day, in order; exit 3 if any fails")
	fs.StringVar(&cfg.Dataset, "dataset", cfg.Dataset, "the prepared dataset the feed must come from; empty: whichever it is (env DATASET)")
	fs.StringVar(&cfg.Thresholds, "thresholds", cfg.Thresholds, "YAML file overriding the default thresholds (env QUALITY_THRESHOLDS)")
	asJSON := fs.Bool("json", false, "print the report as JSON instead of a summary")
	fs.Parse(os.Args[1:])

	os.Exit(jobs.MainFunction(common, handlers.QualityCheckFunction(cfg), func(ctx context.Context, env *jobs.Env) error {
		switch {
		case *all && *day != 0:
			return jobs.Exit(2, errors.New("give --day N or --all, not both"))
		case !*all && *day < 1:
			return jobs.Exit(2, errors.New("give --day N (1..20) or --all"))
		}
		reps, err := handlers.RunQualityCheck(ctx, env, cfg, *day) // day 0: --all
		for _, rep := range reps {
			if *asJSON {
				enc := json.NewEncoder(os.Stdout)
				enc.SetIndent("", "  ")
				enc.Encode(rep)
			} else {
				printSummary(rep)
			}
		}
		if *all && len(reps) == 0 && err == nil {
			fmt.Println("no released day to check")
		}
		return err
	}))
}

func printSummary(r *quality.Report) {
	verdict := "PASSED"
	if !r.Success {
		verdict = "FAILED"
	}
	fmt.Printf("day %02d %s: %d/%d checks passed (%.2f%%)\n", r.Day, verdict, r.Statistics.Successful, r.Statistics.Evaluated, r.Statistics.SuccessPercent)
	for _, c := range r.Results {
		if !c.Success {
			fmt.Printf("  %-5s %-40s observed %v, threshold %v\n", c.Severity, c.Check, c.ObservedValue, c.Threshold)
		}
	}
}
