package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/recpipe/recpipe/data/movielens"
	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/functions/internal/training"
	"github.com/recpipe/recpipe/internal/blob"
	_ "github.com/recpipe/recpipe/model/all" // every model can be trained and loaded
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/trainer"
)

// The steps of the pipeline's life that demo (and the end-to-end tests) run by
// calling the domain packages; each is one call. The stages that events start
// (quality-check, ab-eval) are not here: they run because their events fire.

// prepareShipped prepares the shipped ml-latest-small into b (a no-op when it is
// already prepared from the same bytes).
func prepareShipped(ctx context.Context, b blob.Bucket, log *slog.Logger) (*etl.PrepareResult, error) {
	res, err := etl.Prepare(ctx, b, etl.Options{Dataset: movielens.SmallName, Shipped: movielens.SmallZip, Log: log})
	if err != nil {
		return nil, fmt.Errorf("prepare %s: %w", movielens.SmallName, err)
	}
	return res, nil
}

// trainSpec is one training run: a model, its config file's bytes (nil: the model's
// defaults) and overrides in train-gpu's --set syntax.
type trainSpec struct {
	Model  string
	Config []byte
	Sets   []string
}

// specFromFile reads a config file for model.
func specFromFile(modelName, path string, sets ...string) (trainSpec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return trainSpec{}, fmt.Errorf("%s config: %w", modelName, err)
	}
	return trainSpec{Model: modelName, Config: data, Sets: sets}, nil
}

// trainChampion trains the run spec names on the prepared splits of its dataset (or
// finds it already finished) and promotes it to its model's champion.
func trainChampion(ctx context.Context, b blob.Bucket, spec trainSpec, log *slog.Logger, prog trainer.Progress) (*trainer.Summary, *scoring.Champion, error) {
	cfg, err := trainer.ParseConfig(spec.Config, spec.Model, spec.Sets)
	if err != nil {
		return nil, nil, fmt.Errorf("%s config: %w", spec.Model, err)
	}
	data, err := training.ReadSplits(ctx, b, cfg.Dataset)
	if err != nil {
		return nil, nil, err
	}
	s, err := trainer.TrainRun(ctx, b, cfg, data, trainer.RunOptions{Log: log, Progress: prog})
	if err != nil {
		return nil, nil, fmt.Errorf("train %s: %w", spec.Model, err)
	}
	c, err := trainer.Promote(ctx, b, s)
	if err != nil {
		return s, nil, err
	}
	return s, c, nil
}

// releaseDay releases day d of dataset's feed with etl-day's logic.
func releaseDay(ctx context.Context, b blob.Bucket, dataset string, d int, log *slog.Logger) (*etl.DayManifest, etl.Outcome, error) {
	r := &etl.Releaser{Bucket: b, Dataset: dataset, Log: log}
	m, out, err := r.Release(ctx, d)
	if err != nil {
		return nil, "", fmt.Errorf("release day %d: %w", d, err)
	}
	return m, out, nil
}
