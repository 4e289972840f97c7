package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/recpipe/recpipe/abtest"
	"github.com/recpipe/recpipe/data/movielens"
	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/functions/internal/training"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/pipelinestatus"
	"github.com/recpipe/recpipe/jobs"
	"github.com/recpipe/recpipe/jobs/event"
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/trainer"
	"github.com/recpipe/recpipe/quality"
)

// demoOptions configure a demo run.
type demoOptions struct {
	Train     []trainSpec     // models to train and promote, in order
	Days      int             // days to release (etl.Days for the whole feed)
	Workers   int             // events run at once
	Functions []jobs.Function // the functions events start (hostedFunctions())
	Progress  func(*slog.Logger) trainer.Progress
}

// ErrEvents: some event-driven runs of the demo failed (their errors are joined).
var ErrEvents = errors.New("event runs failed")

// demo runs the whole life on one bucket (the embedded default): prepare, train both
// models, release the feed day by day; quality-check and ab-eval run because the
// commits fire their events.
func demo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pipeline demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	common := jobs.RegisterFlags(fs)
	ncfConfig := fs.String("ncf-config", "configs/ncf-demo.yaml", "NCF training config")
	ss4recConfig := fs.String("ss4rec-config", "configs/ss4rec-demo.yaml", "SS4Rec training config")
	days := fs.Int("days", etl.Days, "days of the feed to release")
	workers := fs.Int("workers", jobs.DefaultWorkers, "events run at once")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	log, err := commandLogger(stderr, common, "demo")
	if err != nil {
		fmt.Fprintln(stderr, "pipeline demo:", err)
		return 2
	}
	o := demoOptions{Days: *days, Workers: *workers, Functions: hostedFunctions(), Progress: training.NewProgress}
	for _, c := range []struct{ model, path string }{{"ncf", *ncfConfig}, {"ss4rec", *ss4recConfig}} {
		spec, err := specFromFile(c.model, c.path)
		if err != nil {
			log.Error("demo config", "err", err)
			return 2
		}
		o.Train = append(o.Train, spec)
	}
	if o.Days < 1 || o.Days > etl.Days {
		log.Error("demo", "err", fmt.Sprintf("--days %d outside 1..%d", o.Days, etl.Days))
		return 2
	}
	raw, err := blob.Open(ctx, common.Bucket)
	if err != nil {
		log.Error("open bucket", "err", err)
		return 1
	}
	defer raw.Close()
	start := time.Now()
	sum, runErr := runDemo(ctx, raw, o, log, stdout)
	if sum != nil {
		writeDemoSummary(stdout, sum, common.Bucket, time.Since(start))
	}
	if runErr != nil {
		log.Error("demo failed", "err", runErr)
		return 1
	}
	return 0
}

// demoResult is what a demo run did and where the bucket ended.
type demoResult struct {
	Snapshot *pipelinestatus.Snapshot
	Stats    jobs.QueueStats
	Gates    []error // failed quality gates: the chain stopped there, as it should
	Errors   []error // event runs that failed otherwise
}

// runDemo runs the demo on raw, printing progress to out. It returns the result
// (also when event runs failed, with ErrEvents).
func runDemo(ctx context.Context, raw blob.Bucket, o demoOptions, log *slog.Logger, out io.Writer) (*demoResult, error) {
	d, err := newDispatcher(raw, log, o.Functions)
	if err != nil {
		return nil, err
	}
	workers := max(o.Workers, 1)
	b, q := jobs.EmbeddedWorkers(raw, d, workers)
	t0 := time.Now()
	say := func(format string, a ...any) {
		fmt.Fprintf(out, "[%6.1fs] %s\n", time.Since(t0).Seconds(), fmt.Sprintf(format, a...))
	}

	say("1/4 prepare %s (shipped) into %s", movielens.SmallName, raw.URL())
	var prep *etl.PrepareResult
	err = jobs.Execute(ctx, b, log, "prepare", []string{"pipeline", "demo"}, func(ctx context.Context, env *jobs.Env) (err error) {
		prep, err = prepareShipped(ctx, env.Bucket, env.Log)
		return err
	})
	if err != nil {
		return nil, err
	}
	m := prep.Manifest
	say("    train %d, val %d, test %d rows (%s)", m.Splits.Train.Rows, m.Splits.Val.Rows, m.Splits.Test.Rows, prepState(prep))

	for i, spec := range o.Train {
		say("2/4 train %s and promote its champion (%d of %d)", spec.Model, i+1, len(o.Train))
		var prog trainer.Progress
		if o.Progress != nil {
			prog = o.Progress(log)
		}
		var s *trainer.Summary
		var c *scoring.Champion
		err := jobs.Execute(ctx, b, log, "train-gpu", []string{"pipeline", "demo", "--model", spec.Model}, func(ctx context.Context, env *jobs.Env) (err error) {
			s, c, err = trainChampion(ctx, env.Bucket, spec, env.Log.With("model", spec.Model), prog)
			return err
		})
		if err != nil {
			return nil, err
		}
		say("    %s run %s: %d epochs, validation RMSE %.4f, test RMSE %.4f", c.Model, c.Run, s.Epochs, c.ValRMSE, s.Test[s.Model].All.RMSE)
	}
	if err := waitQueue(ctx, q, say); err != nil {
		return nil, err
	}

	say("3/4 release %d days; each commit fires quality-check, whose report fires ab-eval", o.Days)
	for day := 1; day <= o.Days; day++ {
		var dm *etl.DayManifest
		var outcome etl.Outcome
		err := jobs.Execute(ctx, b, log, "etl-day", []string{"pipeline", "demo", "--day", fmt.Sprint(day)}, func(ctx context.Context, env *jobs.Env) (err error) {
			dm, outcome, err = releaseDay(ctx, env.Bucket, m.Dataset, day, env.Log)
			return err
		})
		if err != nil {
			return nil, err
		}
		// One day at a time, as the nightly feed: each day's checks see the days before.
		if err := waitQueue(ctx, q, say); err != nil {
			return nil, err
		}
		say("    day %02d %-9s %5d rows, %d rejected; %s", day, outcome, dm.Rows, dm.Rejected, dayOutcome(ctx, raw, day))
	}

	say("4/4 redeliver every routed object once (at-least-once delivery; a handled event is a duplicate)")
	if err := redeliver(ctx, b, q); err != nil {
		return nil, err
	}
	if err := waitQueue(ctx, q, say); err != nil {
		return nil, err
	}
	snap, err := pipelinestatus.Read(ctx, raw)
	if err != nil {
		return nil, err
	}
	res := &demoResult{Snapshot: snap, Stats: q.Stats()}
	res.Gates, res.Errors = splitGateFailures(q.Errors())
	if len(res.Errors) > 0 {
		return res, fmt.Errorf("%w: %w", ErrEvents, errors.Join(res.Errors...))
	}
	return res, nil
}

// splitGateFailures separates failed quality gates (an outcome of the pipeline, shown
// in the summary) from the errors of runs that could not do their work.
func splitGateFailures(errs []error) (gates, others []error) {
	for _, err := range errs {
		if errors.Is(err, quality.ErrGateFailed) {
			gates = append(gates, err)
		} else {
			others = append(others, err)
		}
	}
	return gates, others
}

func prepState(r *etl.PrepareResult) string {
	if r.Skipped {
		return "already prepared"
	}
	return fmt.Sprintf("%d objects written", len(r.Written))
}

// waitQueue waits for the event queue to drain, saying every 15 s what it waits for.
func waitQueue(ctx context.Context, q *jobs.Queue, say func(string, ...any)) error {
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	done := make(chan error, 1)
	go func() { done <- q.Wait(ctx) }()
	for {
		select {
		case err := <-done:
			return err
		case <-tick.C:
			s := q.Stats()
			say("    … events: %d queued, %d ok, %d skipped, %d failed, %d duplicates", s.Queued, s.OK, s.Skipped, s.Failed, s.Duplicates)
		}
	}
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
	var r abtest.Result
	if err := blob.ReadJSON(ctx, b, layout.ABResult(layout.Day(d)), &r); err != nil {
		return "quality passed; no A/B result"
	}
	s := "quality passed; A/B " + r.Comparison.Winner
	if pm := pipelinestatus.Primary(r.Comparison); pm != nil {
		s += fmt.Sprintf(" (%s A-B %s)", pm.Metric, fmtDiff(pm.MeanUserDiff, pm.MeanUserDiffCI))
	}
	return s
}

// redeliverPrefixes hold every key a route matches.
var redeliverPrefixes = func() []string {
	var out []string
	for _, r := range jobs.Routes {
		out = append(out, r.Prefix)
	}
	return out
}()

// redeliver queues an event for every object a route matches, as a second delivery
// would: handled events are duplicates; one lost by an interrupted run now runs.
func redeliver(ctx context.Context, b blob.Bucket, q *jobs.Queue) error {
	seen := map[string]bool{}
	for _, p := range redeliverPrefixes {
		if seen[p] {
			continue
		}
		seen[p] = true
		list, err := b.List(ctx, p)
		if err != nil {
			return fmt.Errorf("list %s: %w", p, err)
		}
		for _, a := range list {
			if len(jobs.Match(a.Key)) > 0 {
				q.Enqueue(ctx, event.Object{Name: event.Created, Key: a.Key, ETag: a.ETag, Size: a.Size, Time: a.ModTime})
			}
		}
	}
	return nil
}

// writeDemoSummary prints the summary table of a demo run.
func writeDemoSummary(w io.Writer, r *demoResult, bucketURL string, took time.Duration) {
	s := r.Snapshot
	fmt.Fprintf(w, "\nSUMMARY (%s, %s)\n", jobs.Redact(bucketURL), took.Round(time.Second))
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
	return strings.TrimSuffix(jobs.Redact(bucketURL), "/") + "/" + key
}
