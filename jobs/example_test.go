package jobs_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/jobs"
	"github.com/recpipe/recpipe/jobs/event"
)

// In-process delivery: committing a day's manifest runs quality-check, whose report
// runs ab-eval, through the routing table; a redelivery runs nothing.
func ExampleEmbedded() {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	raw := blob.NewMem()
	d := jobs.NewDispatcher(raw, log)
	d.Register(jobs.Function{Name: jobs.QualityCheck, OnEvent: func(ctx context.Context, env *jobs.Env, ev event.Object) error {
		day := jobs.Routes[0].Fields(ev.Key)["day"]
		_, _, err := blob.PutIfChanged(ctx, env.Bucket, "quality/day="+day+"/report.json", []byte(`{"success":true}`))
		return err
	}})
	d.Register(jobs.Function{Name: jobs.ABEval, OnEvent: func(ctx context.Context, env *jobs.Env, ev event.Object) error {
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
