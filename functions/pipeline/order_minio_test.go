package main

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/recpipe/recpipe/abtest"
	"github.com/recpipe/recpipe/etl/releasetest"
	"github.com/recpipe/recpipe/functions/internal/abeval"
	"github.com/recpipe/recpipe/functions/internal/qualitycheck"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/blob/blobtest"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/miniotest"
	"github.com/recpipe/recpipe/jobs"
	"github.com/recpipe/recpipe/jobs/event"
)

// The first deliveries of the 20 day manifests, newest first, give
// byte for byte the quality/ and abtest/ objects of quality-check --all and then
// ab-eval --all, which go in day order: every output is a function of its inputs,
// not of what was checked yet. The deliveries run on the real MinIO through the
// runtime's queue with an inbox (as pipeline serve), quality-check and ab-eval
// chained by their commits; ab-eval compares two baselines so that no model is
// trained.
func TestFirstDeliveryOrderDoesNotChangeResults(t *testing.T) {
	if testing.Short() {
		t.Skip("releases 20 days and runs 40 checks and evaluations on MinIO")
	}
	src := releasedFixture(t)
	days := make([]int, layout.Days)

	for i := range days {
		days[i] = i + 1
	}
	t0 := time.Now()
	inOrder := blob.NewMem() // the reference: quality-check --all, then ab-eval --all
	copyAll(t, src, inOrder)
	runAll(t, inOrder)
	t1 := time.Now()
	reversed := miniotest.Bucket(t)
	copyAll(t, src, reversed)
	slices.Reverse(days)
	deliverManifests(t, reversed, days)
	t.Logf("--all in day order: %s; events newest first on MinIO: %s", t1.Sub(t0).Round(time.Millisecond), time.Since(t1).Round(time.Millisecond))

	var n int
	for _, prefix := range []string{"quality/", "abtest/"} {
		want, got := blobtest.Objects(t, inOrder, prefix), blobtest.Objects(t, reversed, prefix)
		for key, w := range want {
			g, ok := got[key]
			switch {
			case !ok:
				t.Errorf("%s: missing after the reverse delivery", key)
			case !bytes.Equal(g, w):
				t.Errorf("%s differs after the reverse delivery:\n%s\nin day order:\n%s", key, g, w)
			}
			n++
		}
		for key := range got {
			if _, ok := want[key]; !ok {
				t.Errorf("%s: written only by the reverse delivery", key)
			}
		}
	}
	if _, ok := blobtest.Objects(t, reversed, "abtest/")[layout.ABResult(layout.Days)]; !ok || n < 2*layout.Days+4 {
		t.Fatalf("compared %d objects: the chain did not run", n)
	}
	t.Logf("%d objects under quality/ and abtest/ identical", n)
}

// orderDataset is a small synthetic prepared dataset (200 test rows a day): the
// test is about delivery order, not about the data.
const orderDataset = "synthetic-order"

// releasedFixture is a memory bucket with orderDataset prepared and all its days
// released (no events).
func releasedFixture(t *testing.T) *blob.Mem {
	t.Helper()
	ctx := context.Background()
	b := blob.NewMem()
	if _, err := releasetest.Write(ctx, b, orderDataset, releasetest.Synthetic(16000, 2000, 4000, 7)); err != nil {
		t.Fatal(err)
	}
	for d := 1; d <= layout.Days; d++ {
		if err := releaseDay(ctx, b, orderDataset, d); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// orderFunctions are quality-check and ab-eval with the test's settings.
func orderFunctions() (qualitycheck.Config, abeval.Config) {
	return qualitycheck.Config{Dataset: orderDataset}, abeval.Config{Dataset: orderDataset, ModelA: "baseline:user-item-bias",
		ModelB: "baseline:history-aware-bias", Primary: "rmse", Seed: 1, Resamples: abtest.MinResamples}
}

// runAll runs quality-check --all and then ab-eval --all on b.
func runAll(t *testing.T, b blob.Bucket) {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	qc, ac := orderFunctions()
	if err := jobs.Execute(ctx, b, log, jobs.QualityCheck, []string{"--all"}, func(ctx context.Context, env *jobs.Env) error {
		_, err := qualitycheck.Run(ctx, env, qc, 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Execute(ctx, b, log, jobs.ABEval, []string{"--all"}, func(ctx context.Context, env *jobs.Env) error {
		return abeval.Run(ctx, env, ac, abeval.Target{All: true})
	}); err != nil {
		t.Fatal(err)
	}
}

// deliverManifests delivers the manifest events of days in that order to
// quality-check and ab-eval hosted on b, each once the chain the one before started
// is done (a day a night, as the feed goes).
func deliverManifests(t *testing.T, raw blob.Bucket, days []int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	d := jobs.NewDispatcher(raw, slog.New(slog.DiscardHandler))
	qc, ac := orderFunctions()
	for _, f := range []jobs.Function{qualitycheck.Function(qc), abeval.Function(ac)} {
		if err := d.Register(f); err != nil {
			t.Fatal(err)
		}
	}
	b, q := jobs.EmbeddedWith(raw, d, jobs.QueueOptions{Inbox: true})
	for _, day := range days {
		key := layout.ETLManifest(layout.Day(day))
		a, err := b.Stat(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := q.Receive(ctx, event.Object{Name: event.Created, Key: key, ETag: a.ETag}); err != nil {
			t.Fatal(err)
		}
		if err := q.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if errs := q.Errors(); len(errs) > 0 {
		t.Fatalf("event runs failed: %v", errs)
	}
}

func copyAll(t *testing.T, src, dst blob.Bucket) {
	t.Helper()
	list, err := src.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		copyObject(t, src, dst, a.Key)
	}
}
