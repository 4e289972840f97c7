package abeval_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/abtest"
	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/etl/releasetest"
	"github.com/recpipe/recpipe/functions/internal/abeval"
	"github.com/recpipe/recpipe/functions/internal/qualitycheck"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/envflag"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/schemas"
	"github.com/recpipe/recpipe/jobs"
	"github.com/recpipe/recpipe/jobs/event"
)

// The chain as the runtime runs it: released days, real quality reports (day 3's batch
// is corrupted after release, so its gate fails), then ab-eval on each report event.
func TestABEvalEvents(t *testing.T) {
	ctx := context.Background()
	b := blob.NewMem()
	if _, err := releasetest.Write(ctx, b, "fixture", releasetest.Synthetic(1600, 200, 400, 5)); err != nil {
		t.Fatal(err)
	}
	if _, err := (&etl.Releaser{Bucket: b, Dataset: "fixture"}).Simulate(ctx, 3); err != nil {
		t.Fatal(err)
	}
	key := layout.Batch(layout.Day(3))
	data, _ := blob.ReadAll(ctx, b, key)
	blob.PutBytes(ctx, b, key, []byte(strings.Replace(string(data), "\n", "\n999,1,6.0,1\n", 1)), blob.PutOptions{})
	qc := qualitycheck.Function(qualitycheck.Config{Dataset: "fixture"})
	for d := 1; d <= 3; d++ {
		env := jobs.NewEnv(b, slog.New(slog.DiscardHandler), &jobs.Record{})
		if err := qc.OnEvent(ctx, env, jobs.ParseEvent(event.Object{Key: layout.ETLManifest(layout.Day(d))})); (err != nil) != (d == 3) {
			t.Fatalf("quality-check day %d: %v", d, err)
		}
	}

	cfg := abeval.Config{Dataset: "fixture", ModelA: "baseline:user-item-bias", ModelB: "baseline:history-aware-bias",
		Primary: "rmse", Seed: 1, Resamples: abtest.MinResamples}
	fn := abeval.Function(cfg)
	if fn.Name != jobs.ABEval || fn.MaxConcurrent != 1 {
		t.Fatalf("function %q, max concurrent %d", fn.Name, fn.MaxConcurrent)
	}
	// Day 1's event evaluates day 1 and the later passing day 2 (its history gains day
	// 1); day 2's own event then finds nothing to change.
	tests := []struct {
		key     string
		skip    bool
		written []string
	}{
		{layout.QualityReport(layout.Day(1)), false, []string{layout.ABResult(layout.Day(1)), layout.ABResult(layout.Day(2)), layout.ABSummary}},
		{layout.QualityReport(layout.Day(3)), true, nil}, // failed gate: no result
		{layout.QualityReport(layout.Day(2)), false, nil},
	}
	for _, tt := range tests {
		env := jobs.NewEnv(b, slog.New(slog.DiscardHandler), &jobs.Record{})
		err := fn.OnEvent(ctx, env, jobs.ParseEvent(event.Object{Key: tt.key}))
		if tt.skip {
			if !errors.Is(err, jobs.ErrSkip) || !strings.Contains(err.Error(), "success=false") {
				t.Errorf("%s: err = %v, want a skip naming the failed report", tt.key, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.key, err)
		}
		for _, k := range tt.written {
			if !slices.Contains(env.Run.Outputs, k) {
				t.Errorf("%s: run record outputs %v lack %s", tt.key, env.Run.Outputs, k)
			}
		}
		if len(tt.written) == 0 && len(env.Run.Outputs) != 0 {
			t.Errorf("%s: rewrote %v", tt.key, env.Run.Outputs)
		}
		if !slices.Contains(env.Run.Inputs, tt.key) {
			t.Errorf("%s: run record inputs %v", tt.key, env.Run.Inputs)
		}
	}
	if ok, _ := blob.Exists(ctx, b, layout.ABResult(layout.Day(3))); ok {
		t.Error("day 3 failed quality but got a result")
	}
	for _, k := range []string{layout.ABResult(layout.Day(2)), layout.ABSummary} {
		doc, err := blob.ReadAll(ctx, b, k)
		if err != nil {
			t.Fatal(err)
		}
		if err := schemas.Validate(doc); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}

	// A champion event while the other champion is missing: a skip, with the reason.
	blob.PutBytes(ctx, b, "models/ncf/champion.json", []byte(`{"schema":"champion/v1"}`), blob.PutOptions{})
	both := cfg
	both.ModelA, both.ModelB = "ncf", "ss4rec"
	env0 := jobs.NewEnv(b, slog.New(slog.DiscardHandler), &jobs.Record{})
	if err := abeval.Function(both).OnEvent(ctx, env0, jobs.ParseEvent(event.Object{Key: "models/ncf/champion.json"})); !errors.Is(err, jobs.ErrSkip) ||
		!strings.Contains(err.Error(), "models/ss4rec/champion.json does not exist yet") {
		t.Errorf("champion event without the other champion: %v", err)
	}

	// The default model B (ss4rec) has no champion: a clear error.
	cfg.ModelB = "ss4rec"
	env := jobs.NewEnv(b, slog.New(slog.DiscardHandler), &jobs.Record{})
	err := abeval.Run(ctx, env, cfg, abeval.Target{All: true})
	if !errors.Is(err, abtest.ErrNoChampion) || !strings.Contains(err.Error(), "models/ss4rec/champion.json") {
		t.Errorf("missing champion: %v", err)
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{"AB_MODEL_B": "baseline:history-aware-bias", "AB_RESAMPLES": "20000", "DATASET": "ml-1m"}
	c, err := abeval.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil || c.ModelA != "ncf" || c.ModelB != "baseline:history-aware-bias" || c.Resamples != 20000 || c.Dataset != "ml-1m" {
		t.Fatalf("config %+v, %v", c, err)
	}
	// Malformed or out-of-range values are usage errors, not silently the default.
	for _, bad := range []map[string]string{
		{"AB_SEED": "abc"}, {"AB_RESAMPLES": "100"}, {"AB_MODEL_A": "baseline:nope"}, {"AB_MODEL_B": "nope"},
		{"AB_PRIMARY_METRIC": "accuracy"}, {"AB_IMPACT_CONFIG": "/nonexistent/impact.yaml"},
	} {
		if _, err := abeval.ConfigFromEnv(func(k string) string { return bad[k] }); !errors.Is(err, envflag.ErrUsage) {
			t.Errorf("%v: err = %v, want a usage error", bad, err)
		}
	}
}
