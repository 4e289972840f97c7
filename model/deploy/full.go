package deploy

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/envflag"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/ncf"
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/trainer"
)

// RefreshFull names the refresh of a version whose base was fully retrained (then
// folded in like any other).
const RefreshFull = "full+fold-in"

// DefaultFullRefreshEvery is the full-refresh schedule the retrain step uses unless
// told otherwise: never (0), chosen on validation and cost (docs/design.md §Models,
// BenchmarkRefreshSchedule): on a pseudo-feed carved from the rows before the cutoff,
// NCF's RMSE was 0.8541 never refreshed, 0.8533 every 10 days, 0.8528 every 5 and
// 0.8569 every 2: within ±0.003 and not better the more often it retrains (the noise
// of a retraining), for one to nine full trainings, while fold-in alone serves every
// new user.
const DefaultFullRefreshEvery = 0

// EnvFullRefreshEvery is the environment variable of the schedule, shared by the
// retrain step and ab-eval (which builds a version it needs when it is missing, and
// must build the same bytes).
const EnvFullRefreshEvery = "RETRAIN_FULL_REFRESH_EVERY"

// FullRefreshDay is the day whose end last fully retrained the base of the version of
// day d under the schedule every (0: never, the champion is the base).
func FullRefreshDay(d, every int) int {
	if every <= 0 {
		return 0
	}
	return d / every * every
}

// EnableFullRefresh sets c to be fully retrained at the end of every every-th day
// (0: never): a fresh model of the champion's own run config (models/<m>/<run>/
// config.yaml), trained on train and the passing days up to that day, early-stopping
// on validation, becomes the base the later days' versions fold in from. The base is
// kept in memory only: every process that builds a version of a period trains that
// period's base once (the reason the default is never).
func (c *Champion) EnableFullRefresh(ctx context.Context, b blob.Bucket, every int) error {
	if every <= 0 {
		c.fullEvery, c.train = 0, nil
		return nil
	}
	if c.Doc == nil || c.Doc.Run == "" {
		return fmt.Errorf("full refresh of %s: no champion run to take the config from", c.Model)
	}
	cfg, err := trainer.LoadRunConfig(ctx, b, c.Model, c.Doc.Run)
	if err != nil {
		return fmt.Errorf("full refresh of %s: %w", c.Model, err)
	}
	c.fullEvery = every
	c.train = func(ctx context.Context, rows, val []ratings.Rating) (*ncf.NCF, error) {
		return TrainFresh(ctx, cfg, rows, val)
	}
	return nil
}

// TrainFresh trains a fresh NCF of cfg on train, early-stopping on val, in a bucket of
// its own (nothing is written outside it).
func TrainFresh(ctx context.Context, cfg *trainer.Config, train, val []ratings.Rating) (*ncf.NCF, error) {
	m, _, err := trainFresh(ctx, cfg, train, val)
	return m, err
}

func trainFresh(ctx context.Context, cfg *trainer.Config, train, val []ratings.Rating) (*ncf.NCF, *trainer.Summary, error) {
	bk := blob.NewMem()
	sum, err := trainer.TrainRun(ctx, bk, cfg, &trainer.Data{Train: train, Val: val, Test: val[:min(1, len(val))]},
		trainer.RunOptions{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, nil, fmt.Errorf("full refresh: %w", err)
	}
	rc, err := bk.Get(ctx, sum.ModelKey)
	if err != nil {
		return nil, nil, err
	}
	defer rc.Close()
	p, err := scoring.Load(rc)
	if err != nil {
		return nil, nil, fmt.Errorf("full refresh: %w", err)
	}
	m, ok := p.(*ncf.NCF)
	if !ok {
		return nil, nil, fmt.Errorf("full refresh: %s is a %T, want NCF", sum.ModelKey, p)
	}
	return m, sum, nil
}

// base is the model the version of day d folds in from: the champion, or the base
// fully retrained at the end of day FullRefreshDay(d) on train and data's days up to
// it. It returns that day too (0: the champion).
func (c *Champion) base(ctx context.Context, data *Data, d int) (*ncf.NCF, int, error) {
	r := FullRefreshDay(d, c.fullEvery)
	if r == 0 {
		return c.NCF, 0, nil
	}
	if m, ok := c.refreshed[r]; ok {
		return m, r, nil
	}
	rows := append([]ratings.Rating{}, data.Train...)
	for h := 1; h <= r; h++ {
		rows = append(rows, data.Batches[h]...) // a failed or unreleased day has none
	}
	m, err := c.train(ctx, rows, data.Val)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: base of the end of day %s: %w", c.Model, layout.Day(r), err)
	}
	if c.refreshed == nil {
		c.refreshed = map[int]*ncf.NCF{}
	}
	c.refreshed[r] = m
	return m, r, nil
}

// DeclareFullRefresh declares the full-refresh schedule on s (--full-refresh-every,
// EnvFullRefreshEvery), for the retrain step and ab-eval alike.
func DeclareFullRefresh(s *envflag.Set, every *int) {
	s.Int(every, "full-refresh-every", EnvFullRefreshEvery, fmt.Sprintf("`DAYS`: fully retrain the deployed NCF's base (its champion's run config, on train and the passing days so far) at the end of every DAYS-th day, besides the daily fold-in; 0: never (the default, chosen on validation and cost: docs/design.md §Models); the retrain step and ab-eval must agree (0..%d)", layout.Days),
		envflag.Between(0, layout.Days))
}
