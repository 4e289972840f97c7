package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/functions/internal/training"
	"github.com/recpipe/recpipe/jobs"
	"github.com/recpipe/recpipe/model/trainer"
)

type options struct {
	model, config, dataset, resume string
	promote, force                 bool
	sets                           stringList
}

// train resolves the config, reads the prepared splits, and runs trainer.TrainRun.
func train(ctx context.Context, env *jobs.Env, o *options) error {
	cfg, err := resolveConfig(ctx, env, o)
	if err != nil {
		return jobs.Exit(2, err)
	}
	data, err := training.ReadSplits(ctx, env.Bucket, cfg.Dataset)
	if err != nil {
		return err
	}
	id, err := cfg.RunID()
	if err != nil {
		return err
	}
	env.Log.Info("training", "model", cfg.Model, "run", id, "dataset", cfg.Dataset,
		"train", len(data.Train), "val", len(data.Val), "test", len(data.Test))
	s, err := trainer.TrainRun(ctx, env.Bucket, cfg, data, trainer.RunOptions{
		Resume: o.resume != "", Force: o.force, Log: env.Log, Progress: training.NewProgress(env.Log)})
	if err != nil {
		return err
	}
	printSummary(os.Stdout, s)
	if o.promote {
		c, err := trainer.Promote(ctx, env.Bucket, s)
		if err != nil {
			return err
		}
		env.Log.Info("promoted", "model", c.Model, "run", c.Run, "val_rmse", c.ValRMSE)
	}
	return nil
}

// resolveConfig builds the effective config: a resumed run's saved config, or the
// config file (configs/<model>.yaml by default) with the flag overrides.
func resolveConfig(ctx context.Context, env *jobs.Env, o *options) (*trainer.Config, error) {
	if o.resume != "" {
		if len(o.sets) > 0 || o.config != "" || o.dataset != "" {
			return nil, errors.New("--resume continues a run with its saved config: drop --config, --dataset and overrides")
		}
		return trainer.LoadRunConfig(ctx, env.Bucket, o.model, o.resume)
	}
	path := o.config
	if path == "" {
		path = "configs/" + o.model + ".yaml"
	}
	file, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && o.config == "":
		env.Log.Info("no config file; using built-in defaults", "looked_for", path)
	case err != nil:
		return nil, fmt.Errorf("read config: %w", err)
	default:
		env.Log.Info("config", "file", path)
	}
	sets := o.sets
	if o.dataset != "" {
		sets = append(sets, "dataset="+o.dataset)
	}
	if file == nil && o.dataset == "" {
		sets = append([]string{"dataset=" + etl.DefaultDataset}, sets...)
	}
	return trainer.ParseConfig(file, o.model, sets)
}
