package qualitycheck

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/envflag"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/jobs"
	"github.com/recpipe/recpipe/quality"
)

// ExitGateFailed is the exit status of a day that failed an error-severity check.
const ExitGateFailed = 3

// Config are quality-check's settings, the same for the command line and events.
type Config struct {
	Dataset    string // the prepared dataset the feed must come from
	Thresholds string // YAML overriding quality/thresholds.yaml; "": the defaults
}

// DefaultConfig checks a feed of ml-latest-small with the default thresholds.
func DefaultConfig() Config { return Config{Dataset: etl.DefaultDataset} }

// Declare declares the settings on s; a thresholds file that does not load is a
// usage error.
func (c *Config) Declare(s *envflag.Set) {
	jobs.DeclareDataset(s, &c.Dataset, "that the feed must have been released from")
	s.String(&c.Thresholds, "thresholds", "QUALITY_THRESHOLDS", "YAML `FILE` overriding the default thresholds (quality/thresholds.yaml)")
	s.Rule(func() error {
		_, err := quality.LoadThresholds(c.Thresholds)
		return err
	})
}

// ConfigFromEnv reads the settings from the environment alone, as the event-driven
// runtime (pipeline serve, Lambda) runs the function.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := DefaultConfig()
	err := envflag.FromEnv(jobs.QualityCheck, c.Declare, getenv)
	return c, err
}

// Function is the quality-check function of the routing table: the event of
// etl/day=NN/_manifest.json checks day NN.
func Function(c Config) jobs.Function { return function(&c) }

// function reads *c when an event arrives (after the command line is parsed).
func function(c *Config) jobs.Function {
	return jobs.Function{
		Name: jobs.QualityCheck,
		// Runs rebuild the cumulative quality/history.json: one at a time in a process.
		MaxConcurrent: 1,
		OnEvent: func(ctx context.Context, env *jobs.Env, ev jobs.Event) error {
			if ev.Parsed.Kind != layout.KindETLManifest {
				return jobs.Skip("not a day manifest: " + ev.Key)
			}
			_, err := Run(ctx, env, *c, int(ev.Parsed.Day))
			return err
		},
	}
}

// Run checks day d, or every released day when d is 0, and records what it read and
// wrote (through env.Bucket). A failed gate is returned as jobs.Exit(ExitGateFailed, err), which stops the
// chain, and is final (jobs.Final): a redelivery of the event cannot change the
// verdict, so it runs nothing (MinIO and Lambda would otherwise retry it for ever).
func Run(ctx context.Context, env *jobs.Env, c Config, d int) ([]*quality.Report, error) {
	th, err := quality.LoadThresholds(c.Thresholds)
	if err != nil {
		return nil, err
	}
	chk := &quality.Checker{Bucket: env.Bucket, Thresholds: th, Dataset: c.Dataset, Log: env.Log}
	var reps []*quality.Report
	if d == 0 {
		reps, err = chk.CheckAll(ctx)
	} else {
		var rep *quality.Report
		if rep, err = chk.Check(ctx, d); rep != nil {
			reps = append(reps, rep)
		}
	}
	if errors.Is(err, quality.ErrGateFailed) {
		return reps, jobs.Exit(ExitGateFailed, jobs.Final(err))
	}
	return reps, err
}

// Command is the quality-check binary.
func Command() jobs.Command {
	c := DefaultConfig()
	var day int
	var all, asJSON bool
	return jobs.Command{
		Function:  function(&c),
		Purpose:   "run the quality gate on released days of the feed and write quality/day=NN/report.json and quality/history.json",
		ExitCodes: []envflag.ExitCode{{Code: ExitGateFailed, Meaning: "a day failed an error-severity check (its report is written)"}},
		Flags: func(s *envflag.Set) {
			c.Declare(s)
			s.Int(&day, "day", "", fmt.Sprintf("check this released day (1..%d)", etl.Days), envflag.Between(1, etl.Days))
			s.Bool(&all, "all", "", "check every released day, in order; exit 3 if any fails")
			s.Bool(&asJSON, "json", "", "print the report as JSON instead of a summary")
			s.Note(jobs.DatasetDoc)
			s.Rule(func() error { return jobs.DayOrAll(s, day, all, etl.Days) })
		},
		Run: func(ctx context.Context, env *jobs.Env) error {
			reps, err := Run(ctx, env, c, day) // day 0: --all
			for _, rep := range reps {
				if asJSON {
					enc := json.NewEncoder(env.Out())
					enc.SetIndent("", "  ")
					enc.Encode(rep)
				} else {
					writeSummary(env.Out(), rep)
				}
			}
			if all && len(reps) == 0 && err == nil {
				fmt.Fprintln(env.Out(), "no released day to check")
			}
			return err
		},
	}
}

func writeSummary(w io.Writer, r *quality.Report) {
	verdict := "PASSED"
	if !r.Success {
		verdict = "FAILED"
	}
	fmt.Fprintf(w, "day %02d %s: %d/%d checks passed (%.2f%%)\n", r.Day, verdict, r.Statistics.Successful, r.Statistics.Evaluated, r.Statistics.SuccessPercent)
	for _, c := range r.Results {
		if !c.Success {
			fmt.Fprintf(w, "  %-5s %-40s %s\n", c.Severity, c.Check, c.Describe())
		}
	}
}
