package jobs_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/jobs"
)

// In-process delivery: committing a day's manifest runs quality-check, whose report
// runs ab-eval, through the routing table; a redelivery runs nothing.
func ExampleEmbedded() {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	raw := blob.NewMem()
	d := jobs.NewDispatcher(raw, log)
	d.Register(jobs.Function{Name: jobs.QualityCheck, OnEvent: func(ctx context.Context, env *jobs.Env, ev jobs.Event) error {
		// The route hands the key parsed: the day of the manifest.
		_, _, err := blob.PutIfChanged(ctx, env.Bucket, layout.QualityReport(ev.Parsed.Day), []byte(`{"success":true}`))
		return err
	}})
	d.Register(jobs.Function{Name: jobs.ABEval, OnEvent: func(ctx context.Context, env *jobs.Env, ev jobs.Event) error {
		fmt.Println("ab-eval for", ev.Key)
		return nil
	}})
	b, q := jobs.Embedded(raw, d)

	blob.PutBytes(ctx, b, "etl/day=01/_manifest.json", []byte(`{"rows":5}`), blob.PutOptions{})
	q.Wait(ctx)
	blob.PutBytes(ctx, b, "etl/day=01/_manifest.json", []byte(`{"rows":5}`), blob.PutOptions{}) // same bytes, same ETag
	q.Wait(ctx)
	fmt.Printf("%+v\n", q.Stats())
	// Output:
	// ab-eval for quality/day=01/report.json
	// {Queued:3 OK:2 Skipped:0 Failed:0 Duplicates:1 Retries:0 GaveUp:0}
}
