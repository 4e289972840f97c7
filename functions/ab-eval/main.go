// Command ab-eval compares two models' champions on the released days of the feed
// (see package abtest and DESIGN §5, §6) and writes abtest/day=NN/result.json,
// abtest/summary.json and abtest/report.html.
//
//	ab-eval --day 3                           # one day (skipped unless its quality report passed)
//	ab-eval --all                             # every released day that passed quality
//	ab-eval --all --model-b baseline:history-aware-bias   # NCF against a baseline (before SS4Rec exists)
//	ab-eval --event notification.json         # as the runtime calls it
package main

import (
	"context"
	"errors"
	"flag"
	"os"

	"github.com/recpipe/recpipe/functions/internal/handlers"
	"github.com/recpipe/recpipe/jobs"
)

func main() {
	fs := flag.NewFlagSet("ab-eval", flag.ExitOnError)
	common := jobs.RegisterFlags(fs)
	cfg := handlers.ABEvalConfigFromEnv()
	day := fs.Int("day", 0, "evaluate this released day (1..20)")
	all := fs.Bool("all", false, "evaluate every released day whose quality report passed")
	fs.StringVar(&cfg.Dataset, "dataset", cfg.Dataset, "prepared dataset (env DATASET)")
	fs.StringVar(&cfg.ModelA, "model-a", cfg.ModelA, "model A: a model name (its models/<m>/champion.json) or baseline:<global-mean|user-item-bias|history-aware-bias> (env AB_MODEL_A)")
	fs.StringVar(&cfg.ModelB, "model-b", cfg.ModelB, "model B, as --model-a (env AB_MODEL_B)")
	fs.StringVar(&cfg.ImpactConfig, "impact-config", cfg.ImpactConfig, "YAML file overriding the business-impact assumptions of abtest/impact.yaml (env AB_IMPACT_CONFIG)")
	fs.StringVar(&cfg.Primary, "primary", cfg.Primary, "metric of the overall verdict (env AB_PRIMARY_METRIC)")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "bootstrap seed (env AB_SEED)")
	fs.IntVar(&cfg.Resamples, "resamples", cfg.Resamples, "bootstrap resamples of users, at least 10000 (env AB_RESAMPLES)")
	fs.Parse(os.Args[1:])

	os.Exit(jobs.MainFunction(common, handlers.ABEvalFunction(cfg), func(ctx context.Context, env *jobs.Env) error {
		switch {
		case *all && *day != 0:
			return jobs.Exit(2, errors.New("give --day N or --all, not both"))
		case *all:
			return handlers.RunABEval(ctx, env, cfg, handlers.ABTarget{All: true})
		case *day >= 1:
			return handlers.RunABEval(ctx, env, cfg, handlers.ABTarget{Days: []int{*day}})
		}
		return jobs.Exit(2, errors.New("give --day N (1..20) or --all"))
	}))
}
