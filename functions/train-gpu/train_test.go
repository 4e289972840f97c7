package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/jobs"
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/trainer"
)

func testEnv(t *testing.T) *jobs.Env {
	t.Helper()
	b := blob.NewMem()
	if _, err := etl.Prepare(context.Background(), b, etl.Options{SyntheticRows: 3000}); err != nil {
		t.Fatal(err)
	}
	return jobs.NewEnv(b, slog.New(slog.DiscardHandler), &jobs.Record{})
}

// The demo config, cut to one epoch, trains on a prepared synthetic dataset, promotes
// a champion that loads back, and a rerun is a no-op.
func TestTrainPromotesALoadableChampion(t *testing.T) {
	ctx := context.Background()
	env := testEnv(t)
	o := &options{model: "ncf", config: "../../configs/ncf-demo.yaml", dataset: "synthetic-3000", promote: true,
		sets: stringList{"train.epochs=1"}}
	if err := train(ctx, env, o); err != nil {
		t.Fatal(err)
	}
	p, c, err := scoring.LoadPredictor(ctx, env.Bucket, "ncf")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != "ncf" || c.Dataset != "synthetic-3000" || !(c.ValRMSE > 0) {
		t.Errorf("champion %+v", c)
	}
	before, _ := env.Bucket.List(ctx, "models/")
	if err := train(ctx, env, o); err != nil {
		t.Fatal(err)
	}
	after, _ := env.Bucket.List(ctx, "models/")
	for i := range after {
		if i >= len(before) || after[i] != before[i] {
			t.Fatalf("rerun changed the bucket: %v", after[i])
		}
	}
}

func TestTrainErrors(t *testing.T) {
	ctx := context.Background()
	env := testEnv(t)
	tests := []struct {
		name string
		o    options
		want string
	}{
		{"missing dataset", options{model: "ncf", config: "../../configs/ncf-demo.yaml", dataset: "nope"}, "prepared/nope/_manifest.json"},
		{"bad override", options{model: "ncf", config: "../../configs/ncf-demo.yaml", sets: stringList{"train.lr=-1"}}, "train.lr"},
		{"unknown model", options{model: "nope", config: "../../configs/ncf-demo.yaml"}, "unknown model"},
		{"missing config", options{model: "ncf", config: "nope.yaml"}, "nope.yaml"},
		{"resume with overrides", options{model: "ncf", resume: "ncf-x", sets: stringList{"seed=2"}}, "--resume"},
		{"resume unknown run", options{model: "ncf", resume: "ncf-x"}, "models/ncf/ncf-x/config.yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := train(ctx, env, &tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %q", err, tc.want)
			}
		})
	}
	var ee *jobs.ExitError
	err := train(ctx, env, &options{model: "ncf", config: "../../configs/ncf-demo.yaml", sets: stringList{"train.lr=-1"}})
	if !errors.As(err, &ee) || ee.Code != 2 {
		t.Errorf("a config error exits %v, want code 2", err)
	}
}

func TestPrintSummary(t *testing.T) {
	s := &trainer.Summary{Model: "ncf", Run: "ncf-1", Dataset: "d", Epochs: 3, BestEpoch: 2,
		Validation: map[string]scoring.SplitScores{"ncf": {All: scoring.Scores{RMSE: 0.9}}, "global-mean": {All: scoring.Scores{RMSE: 1.1}}},
		Test:       map[string]scoring.SplitScores{"ncf": {Warm: scoring.Scores{N: 5}, Cold: scoring.Scores{N: 7}}}}
	var buf bytes.Buffer
	printSummary(&buf, s)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[2], "ncf ") || !strings.HasPrefix(lines[3], "global-mean") || !strings.Contains(lines[1], "warm 5, cold 7") {
		t.Errorf("summary table:\n%s", buf.String())
	}
}
