package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/functions/internal/etlday"
	"github.com/recpipe/recpipe/functions/internal/prepare"
	"github.com/recpipe/recpipe/functions/internal/traingpu"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/pipelinestatus"
	"github.com/recpipe/recpipe/jobs"
	"github.com/recpipe/recpipe/jobs/event"
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/trainer"
	"github.com/recpipe/recpipe/quality"
)

// Options configure a demo run.
type Options struct {
	Prepare   prepare.Config
	Train     []traingpu.Config    // trained (and promoted: Promote is set) in order; an unfinished run is continued
	Release   etlday.Config        // Day is set for each day released
	Days      int                  // days released, 1..etl.Days
	Workers   int                  // events run at once
	Functions []jobs.Function      // the functions events start
	Delivery  jobs.DeliveryOptions // leases and polling of the event runs (zero: the defaults)
	Progress  func(*slog.Logger) trainer.Progress
	// Host is the command line that hosts the stages, for their run records' trigger.
	Host []string
	// Say prints one step line; nil: none.
	Say func(format string, a ...any)
	// Outcome describes what the events did for a released day, for its step line.
	Outcome func(ctx context.Context, day int) string
}

// ErrEvents: some event-driven runs of the demo failed (their errors are joined).
var ErrEvents = errors.New("event runs failed")

// Result is what a demo run did and where the bucket ended.
type Result struct {
	Snapshot *pipelinestatus.Snapshot
	Stats    jobs.QueueStats
	Gates    []error // failed quality gates: the chain stopped there, as it should
	Errors   []error // event runs that failed otherwise
}

// Run runs the demo on raw. It returns the result (also when event runs failed, with
// ErrEvents).
func Run(ctx context.Context, raw blob.Bucket, o Options, log *slog.Logger) (*Result, error) {
	d := jobs.NewDispatcher(raw, log)
	for _, f := range o.Functions {
		if err := d.Register(f); err != nil {
			return nil, err
		}
	}
	d.SetOptions(o.Delivery)
	b, q := jobs.EmbeddedWorkers(raw, d, max(o.Workers, 1))
	say := o.Say
	if say == nil {
		say = func(string, ...any) {}
	}
	stage := func(function string, extra []string, body func(ctx context.Context, env *jobs.Env) error) error {
		return jobs.Execute(ctx, b, log, function, append(o.Host[:len(o.Host):len(o.Host)], extra...), body)
	}

	say("1/4 prepare %s into %s", o.Prepare.Options.Dataset, raw.URL())
	var prep *etl.PrepareResult
	err := stage(prepare.Name, nil, func(ctx context.Context, env *jobs.Env) (err error) {
		prep, err = prepare.Run(ctx, env, o.Prepare)
		return err
	})
	if err != nil {
		return nil, err
	}
	m := prep.Manifest
	say("    train %d, val %d, test %d rows (%s)", m.Splits.Train.Rows, m.Splits.Val.Rows, m.Splits.Test.Rows, prepState(prep))

	for i, tc := range o.Train {
		tc.Promote, tc.Continue = true, true // a rerun after an interruption resumes the run
		if tc.Dataset == "" {
			tc.Dataset = m.Dataset
		}
		say("2/4 train %s and promote its champion (%d of %d)", tc.Model, i+1, len(o.Train))
		var prog trainer.Progress
		if o.Progress != nil {
			prog = o.Progress(log)
		}
		var s *trainer.Summary
		var c *scoring.Champion
		err := stage(traingpu.Name, []string{"--model", tc.Model}, func(ctx context.Context, env *jobs.Env) (err error) {
			s, c, err = traingpu.Run(ctx, env, tc, prog)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("train %s: %w", tc.Model, err)
		}
		say("    %s run %s: %d epochs, validation RMSE %.4f, test RMSE %.4f", c.Model, c.Run, s.Epochs, c.ValRMSE, s.Test[s.Model].All.RMSE)
	}
	var champions []string
	for _, tc := range o.Train {
		champions = append(champions, layout.Champion(tc.Model))
	}
	if err := catchUp(ctx, b, q, say, champions...); err != nil {
		return nil, err
	}

	say("3/4 release %d days; each commit fires quality-check, whose report fires ab-eval, whose result fires retrain", o.Days)
	for day := 1; day <= o.Days; day++ {
		rc := o.Release
		rc.Dataset, rc.Day, rc.Simulate = m.Dataset, day, 0
		var rel []etlday.Released
		err := stage(etlday.Name, []string{"--day", strconv.Itoa(day)}, func(ctx context.Context, env *jobs.Env) (err error) {
			rel, err = etlday.Run(ctx, env, rc)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("release day %d: %w", day, err)
		}
		// One day at a time, as the nightly feed: each day's checks see the days before.
		keys := []string{layout.ETLManifest(layout.Day(day)), layout.QualityReport(layout.Day(day)), layout.ABResult(layout.Day(day))}
		for _, tc := range o.Train {
			keys = append(keys, layout.ModelVersion(tc.Model, layout.Day(day)))
		}
		if err := catchUp(ctx, b, q, say, keys...); err != nil {
			return nil, err
		}
		outcome := ""
		if o.Outcome != nil {
			outcome = "; " + o.Outcome(ctx, day)
		}
		dm := rel[0].Manifest
		say("    day %02d %-9s %5d rows, %d rejected%s", day, rel[0].Outcome, dm.Rows, dm.Rejected, outcome)
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
	res := &Result{Snapshot: snap, Stats: q.Stats()}
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

// catchUp waits for the queue to drain, then queues again the events of those keys
// that exist and waits for them too. After an uninterrupted step they are duplicates;
// after a rerun of an interrupted one they are the events the interruption lost (the
// step found its objects committed and committed nothing, so no event fired), which
// run now, in the order an uninterrupted run runs them.
func catchUp(ctx context.Context, b blob.Bucket, q *jobs.Queue, say func(string, ...any), keys ...string) error {
	if err := waitQueue(ctx, q, say); err != nil {
		return err
	}
	for _, k := range keys {
		a, err := b.Stat(ctx, k)
		switch {
		case errors.Is(err, blob.ErrNotFound):
			continue
		case err != nil:
			return fmt.Errorf("catch up %s: %w", k, err)
		}
		q.Enqueue(ctx, createdEvent(a))
	}
	return waitQueue(ctx, q, say)
}

func createdEvent(a blob.Attrs) event.Object {
	return event.Object{Name: event.Created, Key: a.Key, ETag: a.ETag, Size: a.Size, Time: a.ModTime}
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
				q.Enqueue(ctx, createdEvent(a))
			}
		}
	}
	return nil
}
