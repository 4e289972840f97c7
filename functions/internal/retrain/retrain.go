package retrain

import (
	"context"
	"strings"

	"github.com/recpipe/recpipe/abtest"
	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/envflag"
	"github.com/recpipe/recpipe/jobs"
	_ "github.com/recpipe/recpipe/model/all" // every model can be loaded
	"github.com/recpipe/recpipe/model/deploy"
	"github.com/recpipe/recpipe/model/scoring"
)

// Config are the retrain step's settings, the same for the command line and events.
// The models are ab-eval's (the same flags' environment variables), so that the
// versions refreshed are those of the arms it scores.
type Config struct {
	Dataset string
	ModelA  string // a model name (its champion) or baseline:<name> (nothing to refresh)
	ModelB  string
	// FullRefreshEvery fully retrains the deployed NCF's base at the end of every k-th
	// day (0: never, the default chosen on validation and cost).
	FullRefreshEvery int
}

// DefaultConfig refreshes NCF and SS4Rec (only NCF has a refresh) on ml-latest-small.
func DefaultConfig() Config {
	o := abtest.DefaultOptions()
	return Config{Dataset: etl.DefaultDataset, ModelA: o.ModelA, ModelB: o.ModelB, FullRefreshEvery: deploy.DefaultFullRefreshEvery}
}

// Declare declares the settings on s.
func (c *Config) Declare(s *envflag.Set) {
	jobs.DeclareDataset(s, &c.Dataset, "whose released days are folded in")
	spec := "`MODEL`: a model name (" + strings.Join(scoring.Decodable(), ", ") + "; its models/<m>/champion.json) or " +
		abtest.BaselinePrefix + "<name> (nothing to refresh); ab-eval's model A"
	checkSpec := func(v string) error { return abtest.CheckModelSpec(v, scoring.Decodable()) }
	s.String(&c.ModelA, "model-a", "AB_MODEL_A", spec, checkSpec)
	s.String(&c.ModelB, "model-b", "AB_MODEL_B", "ab-eval's model B, as --model-a", checkSpec)
	deploy.DeclareFullRefresh(s, &c.FullRefreshEvery)
}

// ConfigFromEnv reads the settings from the environment alone, as the event-driven
// runtime (pipeline serve, Lambda) runs the function.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := DefaultConfig()
	err := envflag.FromEnv(jobs.Retrain, c.Declare, getenv)
	return c, err
}

// evaluator is the abtest evaluator the retrain step runs on.
func (c Config) evaluator(env *jobs.Env) *abtest.Evaluator {
	o := abtest.DefaultOptions()
	o.Dataset, o.ModelA, o.ModelB, o.Load = c.Dataset, c.ModelA, c.ModelB, scoring.LoadPredictor
	o.FullRefreshEvery = c.FullRefreshEvery
	return &abtest.Evaluator{Bucket: env.Bucket, Opt: o, Log: env.Log}
}

// Target says what one run refreshes: the days listed, every released day, or what an
// event key asks for.
type Target = jobs.DayTarget

// Function is the retrain function of the routing table: a day's A/B result writes
// the versions of the end of that day.
func Function(c Config) jobs.Function { return function(&c) }

func function(c *Config) jobs.Function {
	return jobs.Function{
		Name: jobs.Retrain,
		// Versions of different days are independent; one at a time keeps memory to
		// one champion and one fold-in.
		MaxConcurrent: 1,
		OnEvent: func(ctx context.Context, env *jobs.Env, ev jobs.Event) error {
			return Run(ctx, env, *c, Target{Key: &ev.Parsed})
		},
	}
}

// Run runs the retrain step once for target. A run that writes nothing because the day
// is not ready (or no model has a refresh) is a skip (jobs.Skip) with the reason.
func Run(ctx context.Context, env *jobs.Env, c Config, target Target) error {
	e := c.evaluator(env)
	w := jobs.DayWork{Key: e.RetrainOnKey, All: e.RetrainAll, Days: e.Retrain, Skipped: func() []string { return e.Skipped }}
	return w.Run(ctx, env, target, "retrain done")
}

// Command is the retrain binary.
func Command() jobs.Command {
	c := DefaultConfig()
	return jobs.DayCommand(function(&c),
		"write each refreshable model's deployed version of the end of a day that passed its quality gate: deployed/<model>/day=NN/model.bin and version.json",
		"refresh with", etl.Days, c.Declare,
		func(ctx context.Context, env *jobs.Env, t Target) error { return Run(ctx, env, c, t) })
}
