package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/recpipe/recpipe/abtest"
	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/functions/internal/demo"
	"github.com/recpipe/recpipe/functions/internal/etlday"
	"github.com/recpipe/recpipe/functions/internal/prepare"
	"github.com/recpipe/recpipe/functions/internal/traingpu"
	"github.com/recpipe/recpipe/functions/internal/training"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/envflag"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/redact"
	"github.com/recpipe/recpipe/jobs"
	"github.com/recpipe/recpipe/model/trainer"
	"github.com/recpipe/recpipe/quality"
)

const demoPurpose = "the whole life on one bucket: prepare, train, release the days; checks and A/B run by events"

// demoCmd runs the whole life on one bucket (the embedded default): prepare, train both
// models, release the feed day by day; quality-check, ab-eval and retrain run because the
// commits fire their events. The stages take their settings from the environment as
// their binaries do (DATASET, ETL_MAX_REJECTED, AB_*, QUALITY_THRESHOLDS, ...).
func demoCmd(ctx context.Context, inv jobs.IO) int {
	ncfConfig, ss4recConfig := "configs/ncf-demo.yaml", "configs/ss4rec-demo.yaml"
	o := demo.Options{Days: etl.Days, Workers: jobs.DefaultWorkers, Host: []string{"pipeline", "demo"}}
	var set *envflag.Set
	common, log, code, done := parse("demo", demoPurpose, inv, func(s *envflag.Set) {
		set = s
		s.String(&ncfConfig, "ncf-config", "", "NCF training config `FILE`")
		s.String(&ss4recConfig, "ss4rec-config", "", "SS4Rec training config `FILE`")
		s.Int(&o.Days, "days", "", fmt.Sprintf("days of the feed to release (1..%d)", etl.Days), envflag.Between(1, etl.Days))
		s.Int(&o.Workers, "workers", "", "events run at once", envflag.AtLeast(1))
		s.Note(jobs.DatasetDoc)
		s.Note(demoOutputDoc)
		s.Rule(func() error { return demoStages(&o, ncfConfig, ss4recConfig, inv.Getenv) })
	})
	if done {
		return code
	}
	if level := demoLogLevel(set.Given("log-level"), common, jobs.IsTerminal(inv.Stderr)); level != common.LogLevel {
		l, err := jobs.Logger(inv.Stderr, level, common.LogFormat)
		if err != nil {
			fmt.Fprintln(inv.Stderr, "pipeline demo:", err)
			return envflag.ExitUsage
		}
		log = l.With("command", "demo")
	}
	o.Progress = func(log *slog.Logger) trainer.Progress { return demoProgress(inv, o.Say, log) }
	raw, err := blob.Open(ctx, common.Bucket)
	if err != nil {
		log.Error("open bucket", "err", err)
		return 1
	}
	defer raw.Close()
	t0 := time.Now()
	o.Say = func(format string, a ...any) {
		fmt.Fprintf(inv.Stdout, "[%6.1fs] %s\n", time.Since(t0).Seconds(), fmt.Sprintf(format, a...))
	}
	o.Outcome = func(ctx context.Context, day int) string { return dayOutcome(ctx, raw, day) }
	sum, runErr := demo.Run(ctx, raw, o, log)
	if sum != nil {
		writeDemoSummary(inv.Stdout, sum, common.Bucket, time.Since(t0))
	}
	if runErr != nil {
		log.Error("demo failed", "err", runErr)
		writeDemoFailure(inv.Stdout, runErr)
		return 1
	}
	return 0
}

// writeDemoFailure says on stdout, below the step lines, why the demo stopped and how
// to go on: a rerun resumes an interrupted demo where it stopped.
func writeDemoFailure(w io.Writer, err error) {
	fmt.Fprintf(w, "\nFAILED: %s\n", oneLine(jobs.Redact(err.Error()), 400))
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(w, "interrupted: run the demo again (same flags) to resume where it stopped")
	} else {
		fmt.Fprintln(w, "a rerun (same flags) resumes from here once the cause is fixed; the log on stderr has the details")
	}
}

const demoOutputDoc = `Output: the step lines (and, when stdout is not a terminal, one line per training
epoch) on stdout; the log on stderr. On a terminal the log shows warnings and errors
only, and training draws a progress bar per epoch; --log-level (LOG_LEVEL) or
--log-format json (LOG_FORMAT=json) asks for the full log. When stderr is not a
terminal the log is JSON at info, as every binary's.`

// demoLogLevel is the demo's log level: warn on a terminal (the step lines on stdout
// say what happens), unless a level or the JSON log is asked for.
func demoLogLevel(levelGiven bool, c *jobs.CommonFlags, stderrTerminal bool) string {
	if stderrTerminal && !levelGiven && c.LogFormat != "json" {
		return "warn"
	}
	return c.LogLevel
}

// demoProgress is where a model's training progress goes: a bar on stderr when it is
// a terminal, a line per epoch among the step lines when stdout is not one (a pipe, a
// CI log), and the log.
func demoProgress(inv jobs.IO, say func(string, ...any), log *slog.Logger) trainer.Progress {
	out := training.Outputs{Log: log}
	if jobs.IsTerminal(inv.Stderr) {
		out.Bar = inv.Stderr
	}
	if !jobs.IsTerminal(inv.Stdout) {
		out.Say = say
	}
	return training.New(out)
}

// demoStages sets the stages' settings: each from the environment, as its binary
// reads it, and the two training configs (checked now, so that a bad one is a usage
// error before the bucket is touched).
func demoStages(o *demo.Options, ncfConfig, ss4recConfig string, getenv func(string) string) error {
	o.Prepare, o.Release = prepare.DefaultConfig(), etlday.DefaultConfig()
	if err := envflag.FromEnv(prepare.Name, o.Prepare.Declare, getenv); err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	if err := envflag.FromEnv(etlday.Name, o.Release.Declare, getenv); err != nil {
		return fmt.Errorf("etl-day: %w", err)
	}
	fns, err := hostedFunctions(getenv)
	if err != nil {
		return err
	}
	o.Functions = fns
	o.Train = nil
	for _, c := range []struct{ model, path string }{{"ncf", ncfConfig}, {"ss4rec", ss4recConfig}} {
		tc := traingpu.Config{Model: c.model, ConfigPath: c.path, Promote: true}
		if _, _, err := tc.NewRunConfig(); err != nil {
			return fmt.Errorf("%s config: %w", c.model, err)
		}
		o.Train = append(o.Train, tc)
	}
	return nil
}

// dayOutcome says what the events did for day d: the quality verdict and A/B winner.
func dayOutcome(ctx context.Context, b blob.Bucket, d int) string {
	rep, err := quality.ReadReport(ctx, b, layout.Day(d))
	if err != nil {
		return "no quality report (see the errors below)"
	}
	if !rep.Success {
		return "quality FAILED: not evaluated"
	}
	if ok, err := blob.Exists(ctx, b, layout.ABResult(layout.Day(d))); err != nil || !ok {
		return "quality passed; no A/B result"
	}
	// The verdict after this day: the cumulative comparison's sequential look (the
	// day's own comparison describes the day, it decides nothing).
	var sum abtest.Summary
	if err := blob.ReadJSON(ctx, b, layout.ABSummary, &sum); err != nil {
		return "quality passed; A/B result, no summary"
	}
	for _, t := range sum.Days {
		if t.Day != d {
			continue
		}
		for _, l := range t.Look {
			if l.Segment == abtest.SegmentAll {
				return fmt.Sprintf("quality passed; A/B after this day: winner %s (%s per user A-B %s, always-valid)",
					l.Winner, t.Primary, fmtDiff(l.Diff, l.SequentialCI.Interval()))
			}
		}
		return "quality passed; A/B: " + t.Excluded
	}
	return "quality passed; A/B result not yet in the summary"
}

// writeDemoSummary prints the summary table of a demo run.
func writeDemoSummary(w io.Writer, r *demo.Result, bucketURL string, took time.Duration) {
	s := r.Snapshot
	fmt.Fprintf(w, "\nSUMMARY (%s, %s)\n", redact.URL(bucketURL), took.Round(time.Second))
	fmt.Fprintln(w, "  test RMSE (training summaries, whole test split):")
	for _, m := range s.Models {
		var base []string
		for _, name := range sortedKeys(m.TestRMSE) {
			if name != m.Model {
				base = append(base, fmt.Sprintf("%s %.4f", name, m.TestRMSE[name]))
			}
		}
		fmt.Fprintf(w, "    %-8s %s  (run %s; baselines: %s)\n", m.Model, fmtRMSE(m.TestRMSE[m.Model]), m.Run, strings.Join(base, ", "))
	}
	if a := s.AB; a != nil && len(a.Days) > 0 {
		fmt.Fprintf(w, "  A/B over %d days: A %s vs B %s; %s A-B %s; winner %s\n", len(a.Days), a.Models.A.Spec, a.Models.B.Spec, a.Primary, fmtDiff(a.Diff, a.CI), a.Winner)
		fmt.Fprintf(w, "    %s\n", a.Verdict)
	} else {
		fmt.Fprintln(w, "  A/B: no cumulative result")
	}
	passed, failed, checks := 0, 0, 0
	for _, d := range s.Days {
		switch d.Quality {
		case "passed":
			passed++
		case "failed":
			failed++
		}
		checks += len(d.ChecksFailed)
	}
	if e := s.ETL; e != nil {
		fmt.Fprintf(w, "  days released: %d of %d (%d rows, %d rejected)\n", e.DaysReleased, e.Days, e.RowsReleased, e.RowsRejected)
	}
	fmt.Fprintf(w, "  quality: %d days passed, %d failed; checks failed (warnings included): %d\n", passed, failed, checks)
	st := r.Stats
	fmt.Fprintf(w, "  events: %d queued, %d ok, %d skipped, %d failed (%d failed gates), %d duplicates; errors: %d\n",
		st.Queued, st.OK, st.Skipped, st.Failed, len(r.Gates), st.Duplicates, len(r.Errors))
	for _, err := range r.Gates {
		fmt.Fprintf(w, "    gate: %s\n", oneLine(err.Error(), 200))
	}
	for _, err := range r.Errors {
		fmt.Fprintf(w, "    error: %s\n", oneLine(err.Error(), 200))
	}
	if s.Report != "" {
		fmt.Fprintf(w, "  report: %s\n", localPath(bucketURL, s.Report))
	}
}

// localPath is where key lives on disk for a file:// bucket, else bucketURL + key.
func localPath(bucketURL, key string) string {
	if p, ok := strings.CutPrefix(bucketURL, "file://"); ok {
		return filepath.Join(filepath.FromSlash(p), filepath.FromSlash(key))
	}
	return strings.TrimSuffix(redact.URL(bucketURL), "/") + "/" + key
}
