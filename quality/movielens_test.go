package quality_test

import (
	"context"
	"testing"

	"github.com/recpipe/recpipe/data/movielens"
	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/quality"
)

// The "done when" on the real data: prepare ml-latest-small, release all 20
// days, check every day; the batches partition the test split, every day passes,
// and a second simulation and check pass change no byte.
func TestMovieLensSmallFeed(t *testing.T) {
	if testing.Short() {
		t.Skip("prepares ml-latest-small")
	}
	ctx := context.Background()
	b := &recorder{Bucket: blob.NewMem()}
	res, err := etl.Prepare(ctx, b, etl.Options{Dataset: etl.DefaultDataset, Shipped: movielens.SmallZip})
	if err != nil {
		t.Fatal(err)
	}
	test, err := etl.ReadSplit(ctx, b, etl.DefaultDataset, etl.SplitTest)
	if err != nil {
		t.Fatal(err)
	}
	r := &etl.Releaser{Bucket: b, Dataset: etl.DefaultDataset}
	ms, err := r.Simulate(ctx, etl.Days)
	if err != nil {
		t.Fatal(err)
	}
	c := &quality.Checker{Bucket: b}
	sum, next := 0, 0
	for _, m := range ms {
		if m.Source.RowLo != next || m.Rejected != 0 {
			t.Fatalf("day %d starts at row %d (want %d), %d rejected", m.Day, m.Source.RowLo, next, m.Rejected)
		}
		next = m.Source.RowHi
		sum += m.Rows
		rep, err := c.Check(ctx, m.Day)
		if err != nil || !rep.Success {
			t.Fatalf("day %d: %v", m.Day, err)
		}
	}
	if len(ms) != etl.Days || sum != len(test) || sum != res.Manifest.Splits.Test.Rows {
		t.Fatalf("%d days hold %d rows; test has %d", len(ms), sum, len(test))
	}
	before := snapshot(t, b)
	b.reset()
	if again, err := r.Simulate(ctx, etl.Days); err != nil || len(again) != 0 {
		t.Fatalf("second simulation released %d days: %v", len(again), err)
	}
	for d := 1; d <= etl.Days; d++ {
		if _, err := c.Check(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if _, puts := b.reset(); len(puts) != 0 {
		t.Fatalf("second pass wrote %v", puts)
	}
	after := snapshot(t, b)
	for k, v := range before {
		if after[k] != v {
			t.Fatalf("%s changed", k)
		}
	}
}

func snapshot(t *testing.T, b blob.Bucket) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range []string{"etl/", "quality/"} {
		list, err := b.List(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range list {
			out[a.Key] = a.ETag
		}
	}
	return out
}
