package handlers

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/recpipe/recpipe/abtest"
	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/jobs"
	_ "github.com/recpipe/recpipe/model/all" // every model can be loaded
	"github.com/recpipe/recpipe/model/scoring"
)

// ABEvalConfig are ab-eval's settings. The event-driven runtime takes them from the
// environment (ABEvalConfigFromEnv); the ab-eval binary's flags default to the same.
type ABEvalConfig struct {
	Dataset      string // DATASET
	ModelA       string // AB_MODEL_A (ncf)
	ModelB       string // AB_MODEL_B (ss4rec); baseline:<name> picks a baseline
	ImpactConfig string // AB_IMPACT_CONFIG: YAML overriding abtest/impact.yaml
	Primary      string // AB_PRIMARY_METRIC (rmse)
	Seed         uint64 // AB_SEED (1)
	Resamples    int    // AB_RESAMPLES (10000)
}

// ABEvalConfigFromEnv reads the settings, with the documented defaults.
func ABEvalConfigFromEnv() ABEvalConfig {
	c := ABEvalConfig{Dataset: etl.DefaultDataset, ModelA: "ncf", ModelB: "ss4rec",
		Primary: abtest.DefaultStats.Primary, Seed: abtest.DefaultStats.Seed, Resamples: abtest.DefaultStats.Resamples}
	setStr := func(dst *string, k string) {
		if v := os.Getenv(k); v != "" {
			*dst = v
		}
	}
	setStr(&c.Dataset, "DATASET")
	setStr(&c.ModelA, "AB_MODEL_A")
	setStr(&c.ModelB, "AB_MODEL_B")
	setStr(&c.ImpactConfig, "AB_IMPACT_CONFIG")
	setStr(&c.Primary, "AB_PRIMARY_METRIC")
	if v, err := strconv.ParseUint(os.Getenv("AB_SEED"), 10, 64); err == nil {
		c.Seed = v
	}
	if v, err := strconv.Atoi(os.Getenv("AB_RESAMPLES")); err == nil {
		c.Resamples = v
	}
	return c
}

// Options turns the settings into abtest options (reading the impact config file).
func (c ABEvalConfig) Options() (abtest.Options, error) {
	o := abtest.DefaultOptions()
	o.Dataset, o.ModelA, o.ModelB = c.Dataset, c.ModelA, c.ModelB
	o.Stats.Seed, o.Stats.Resamples, o.Stats.Primary = c.Seed, c.Resamples, c.Primary
	if err := o.Stats.Validate(); err != nil {
		return o, err
	}
	if c.ImpactConfig != "" {
		f, err := os.Open(c.ImpactConfig)
		if err != nil {
			return o, fmt.Errorf("impact config: %w", err)
		}
		defer f.Close()
		if o.Impact, err = abtest.LoadImpact(f, c.ImpactConfig); err != nil {
			return o, err
		}
	}
	o.Load = scoring.LoadPredictor
	return o, nil
}

// ABTarget says what one ab-eval run evaluates: the days listed, every released day,
// or what an event key asks for.
type ABTarget struct {
	Days []int
	All  bool
	Key  *layout.Key // the event's key, parsed (zero Kind: a key outside the layout)
}

// ABEval is the ab-eval function of the routing table: a passing quality report
// evaluates its day; a champion of model A or B re-evaluates every released day.
func ABEval() jobs.Function { return ABEvalFunction(ABEvalConfigFromEnv()) }

// ABEvalFunction is ABEval with explicit settings.
func ABEvalFunction(cfg ABEvalConfig) jobs.Function {
	return jobs.Function{
		Name: jobs.ABEval,
		// Runs rewrite the cumulative summary: one at a time in a process.
		MaxConcurrent: 1,
		OnEvent: func(ctx context.Context, env *jobs.Env, ev jobs.Event) error {
			return RunABEval(ctx, env, cfg, ABTarget{Key: &ev.Parsed})
		},
	}
}

// RunABEval runs ab-eval once for target. A run that evaluates nothing because the
// day's quality report is missing or failed is a skip (jobs.Skip) with the reason.
func RunABEval(ctx context.Context, env *jobs.Env, cfg ABEvalConfig, target ABTarget) error {
	opt, err := cfg.Options()
	if err != nil {
		return err
	}
	e := &abtest.Evaluator{Bucket: env.Bucket, Opt: opt, Log: env.Log}
	var done []int
	switch {
	case target.Key != nil:
		done, err = e.OnKey(ctx, *target.Key)
	case target.All:
		done, err = e.RunAll(ctx)
	default:
		done, err = e.RunDays(ctx, target.Days)
	}
	if err != nil {
		return err
	}
	env.Log.Info("ab-eval done", "evaluated_days", done)
	if len(done) == 0 && len(e.Skipped) > 0 {
		return jobs.Skip(strings.Join(e.Skipped, "; "))
	}
	return nil
}
