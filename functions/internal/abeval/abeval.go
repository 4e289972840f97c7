package abeval

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/recpipe/recpipe/abtest"
	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/envflag"
	"github.com/recpipe/recpipe/jobs"
	_ "github.com/recpipe/recpipe/model/all" // every model can be loaded
	"github.com/recpipe/recpipe/model/deploy"
	"github.com/recpipe/recpipe/model/scoring"
)

// Config are ab-eval's settings, the same for the command line and events.
type Config struct {
	Dataset      string
	ModelA       string // a model name (its champion) or baseline:<name>
	ModelB       string
	ImpactConfig string // YAML overriding abtest/impact.yaml
	Primary      string // metric of the overall verdict
	Seed         uint64
	Resamples    int
	PlannedUsers float64 // where the verdict's confidence sequence is tightest (t*)
	History      string  // abtest.HistoryRow or HistoryDay
	Frozen       bool    // score the champions as frozen (no deployed versions)
	// FullRefreshEvery is the deployed NCF's full-refresh schedule (0: never), as the
	// retrain step's: ab-eval builds a version it needs when it is missing.
	FullRefreshEvery int
	// NoCache neither reads nor writes abtest/cache/ (the outputs are the same bytes).
	NoCache bool
}

// DefaultConfig compares NCF with SS4Rec on ml-latest-small with abtest.DefaultStats.
func DefaultConfig() Config {
	return Config{Dataset: etl.DefaultDataset, ModelA: "ncf", ModelB: "ss4rec",
		Primary: abtest.DefaultStats.Primary, Seed: abtest.DefaultStats.Seed, Resamples: abtest.DefaultStats.Resamples,
		PlannedUsers: abtest.DefaultStats.Sequential.PlannedUsers, History: abtest.HistoryRow,
		FullRefreshEvery: deploy.DefaultFullRefreshEvery}
}

// Declare declares the settings on s. Unknown models or baselines, an unknown
// primary metric and an impact file that does not load are usage errors.
func (c *Config) Declare(s *envflag.Set) {
	jobs.DeclareDataset(s, &c.Dataset, "whose released days are scored")
	spec := "`MODEL`: a model name (" + strings.Join(scoring.Decodable(), ", ") + "; its models/<m>/champion.json) or " +
		abtest.BaselinePrefix + "<global-mean|user-item-bias|history-aware-bias>"
	checkSpec := func(v string) error { return abtest.CheckModelSpec(v, scoring.Decodable()) }
	s.String(&c.ModelA, "model-a", "AB_MODEL_A", "model A, "+spec, checkSpec)
	s.String(&c.ModelB, "model-b", "AB_MODEL_B", "model B, as --model-a", checkSpec)
	s.String(&c.ImpactConfig, "impact-config", "AB_IMPACT_CONFIG", "YAML `FILE` overriding the business-impact assumptions of abtest/impact.yaml")
	s.String(&c.Primary, "primary", "AB_PRIMARY_METRIC", "`METRIC` of the overall verdict, e.g. rmse, mae, ndcg@10", func(v string) error {
		if abtest.MetricIndex(v) < 0 {
			return fmt.Errorf("unknown metric %q", v)
		}
		return nil
	})
	s.Uint64(&c.Seed, "seed", "AB_SEED", "bootstrap seed")
	s.Int(&c.Resamples, "resamples", "AB_RESAMPLES", "bootstrap resamples of users", envflag.AtLeast(abtest.MinResamples))
	s.Float64(&c.PlannedUsers, "planned-users", "AB_PLANNED_USERS", "`USERS` at which the verdict's always-valid confidence sequence is tightest; fixed before the test, never from its outcomes", envflag.AtLeast(1.0))
	s.String(&c.History, "history", "AB_HISTORY", "`GRANULARITY` of the scoring history: row (every released row strictly before the scored row) or day (only the released days before its day)", abtest.CheckHistory)
	s.Bool(&c.Frozen, "frozen", "AB_FROZEN", "score the champions frozen at the cutoff instead of as deployed (NCF refreshed by fold-in after every passing day, its frozen champion as the reference row ncf-frozen)")
	deploy.DeclareFullRefresh(s, &c.FullRefreshEvery)
	s.Bool(&c.NoCache, "no-cache", "AB_NO_CACHE", "neither read nor write ab-eval's derived artifacts in abtest/cache/ (the baselines' tuning): the outputs are the same bytes, computed in full")
	s.Rule(func() error {
		_, err := c.Options()
		return err
	})
}

// ConfigFromEnv reads the settings from the environment alone, as the event-driven
// runtime (pipeline serve, Lambda) runs the function.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := DefaultConfig()
	err := envflag.FromEnv(jobs.ABEval, c.Declare, getenv)
	return c, err
}

// Options turns the settings into abtest options (reading the impact config file).
func (c Config) Options() (abtest.Options, error) {
	o := abtest.DefaultOptions()
	o.Dataset, o.ModelA, o.ModelB = c.Dataset, c.ModelA, c.ModelB
	if c.History != "" {
		o.History = c.History
	}
	o.Deployed, o.FullRefreshEvery = !c.Frozen, c.FullRefreshEvery
	o.Stats.Seed, o.Stats.Resamples, o.Stats.Primary = c.Seed, c.Resamples, c.Primary
	if c.PlannedUsers != 0 { // 0: a Config built without DefaultConfig keeps the default
		o.Stats.Sequential.PlannedUsers = c.PlannedUsers
	}
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

// Target says what one ab-eval run evaluates: the days listed, every released day,
// or what an event key asks for.
type Target = jobs.DayTarget

// Function is the ab-eval function of the routing table: a passing quality report
// evaluates its day; a champion of model A or B re-evaluates every released day.
func Function(c Config) jobs.Function { return function(&c) }

// function reads *c when an event arrives (after the command line is parsed).
func function(c *Config) jobs.Function {
	return jobs.Function{
		Name: jobs.ABEval,
		// Runs rewrite the cumulative summary: one at a time in a process.
		MaxConcurrent: 1,
		OnEvent: func(ctx context.Context, env *jobs.Env, ev jobs.Event) error {
			return Run(ctx, env, *c, Target{Key: &ev.Parsed})
		},
	}
}

// Run runs ab-eval once for target. A run that evaluates nothing because the day's
// quality report is missing or failed is a skip (jobs.Skip) with the reason.
func Run(ctx context.Context, env *jobs.Env, c Config, target Target) error {
	opt, err := c.Options()
	if err != nil {
		return err
	}
	e := &abtest.Evaluator{Bucket: env.Bucket, Opt: opt, Log: env.Log, NoCache: c.NoCache}
	w := jobs.DayWork{Key: e.OnKey, All: e.RunAll, Days: e.RunDays, Skipped: func() []string { return e.Skipped }}
	return w.Run(ctx, env, target, "ab-eval done")
}

// Command is the ab-eval binary.
func Command() jobs.Command {
	c := DefaultConfig()
	return jobs.DayCommand(function(&c),
		"compare two models (or baselines) on the released days that passed quality; write abtest/day=NN/result.json, abtest/summary.json and abtest/report.html",
		"evaluate", etl.Days, c.Declare,
		func(ctx context.Context, env *jobs.Env, t Target) error { return Run(ctx, env, c, t) })
}
