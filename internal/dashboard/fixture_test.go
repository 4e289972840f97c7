package dashboard

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/recpipe/recpipe/abtest"
	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/etl/releasetest"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/jobs"
	_ "github.com/recpipe/recpipe/model/all" // ncf and ss4rec
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/trainer"
	"github.com/recpipe/recpipe/quality"
)

// The fixture is a demo-like bucket built by the real stages on small synthetic data:
// prepared data, two tiny trained champions (NCF and SS4Rec), fixtureDays released days
// (one row of day 2 and day 5 malformed), each quality-checked (a strict rejected-share
// threshold fails day 2's gate), A/B-evaluated and retrained (NCF's deployed version of
// the end of each passing day), every stage inside a run record.
const (
	fixtureDataset = "synthetic-tiny"
	fixtureDays    = 7
)

// fixtureThresholds fail a day with any rejected row, so the fixture has a failed gate.
var fixtureThresholds = []byte("rejected_share: {severity: error, max_share: 0.005}\n")

var tinyConfigs = map[string]string{
	"ncf": `dataset: ` + fixtureDataset + `
seed: 1
train: {epochs: 3, batch_size: 256, lr: 0.01, patience: 2, keep_checkpoints: 1}
net: {gmf_dim: 4, mlp_dim: 4, tower: [8, 4], init_std: 0.01}
`,
	"ss4rec": `dataset: ` + fixtureDataset + `
seed: 1
train: {epochs: 2, batch_size: 64, lr: 0.003, patience: 1, keep_checkpoints: 1}
net: {dim: 8, s5_states: 4, expand: 2, mamba_states: 4, blocks: 1, max_seq_len: 10, dropout: 0}
`,
}

// stages runs the pipeline's stages on one bucket, each inside a run record as the
// functions write them.
type stages struct {
	b   blob.Bucket
	log *slog.Logger
	th  *quality.Thresholds
}

func newStages(t testing.TB, b blob.Bucket) *stages {
	t.Helper()
	th, err := quality.ParseThresholds(fixtureThresholds)
	if err != nil {
		t.Fatal(err)
	}
	return &stages{b: b, log: slog.New(slog.DiscardHandler), th: th}
}

func (s *stages) run(ctx context.Context, function string, body func(ctx context.Context, env *jobs.Env) error) error {
	return jobs.Execute(ctx, s.b, s.log, function, []string{function, "--fixture"}, body)
}

func (s *stages) prepare(ctx context.Context) (*trainer.Data, error) {
	d := releasetest.Synthetic(3000, 500, 2000, 7)
	// One malformed row on days 2 and 5 (100 rows a day): rejected with a reason.
	d.Corrupt = map[int]string{150: "17,abc,4.0,1000001234", 420: "18,3,9.5,1000002345"}
	var data *trainer.Data
	err := s.run(ctx, "prepare", func(ctx context.Context, env *jobs.Env) error {
		if _, err := releasetest.Write(ctx, env.Bucket, fixtureDataset, d); err != nil {
			return err
		}
		data = &trainer.Data{Train: d.Train, Val: d.Val, Test: d.Test}
		return nil
	})
	return data, err
}

func (s *stages) train(ctx context.Context, data *trainer.Data, name string) error {
	return s.run(ctx, "train-gpu", func(ctx context.Context, env *jobs.Env) error {
		cfg, err := trainer.ParseConfig([]byte(tinyConfigs[name]), name, nil)
		if err != nil {
			return err
		}
		sum, err := trainer.TrainRun(ctx, env.Bucket, cfg, data, trainer.RunOptions{Log: env.Log})
		if err != nil {
			return err
		}
		_, err = trainer.Promote(ctx, env.Bucket, sum)
		return err
	})
}

// releaseDay releases day d, checks it and evaluates it, as the events would chain them.
// A failed gate is an outcome, not an error.
func (s *stages) releaseDay(ctx context.Context, d int) error {
	err := s.run(ctx, "etl-day", func(ctx context.Context, env *jobs.Env) error {
		_, _, err := (&etl.Releaser{Bucket: env.Bucket, Dataset: fixtureDataset, Log: env.Log}).Release(ctx, d)
		return err
	})
	if err != nil {
		return fmt.Errorf("release day %d: %w", d, err)
	}
	var rep *quality.Report
	err = s.run(ctx, "quality-check", func(ctx context.Context, env *jobs.Env) (err error) {
		rep, err = (&quality.Checker{Bucket: env.Bucket, Thresholds: s.th, Dataset: fixtureDataset, Log: env.Log}).Check(ctx, d)
		return err
	})
	switch {
	case rep == nil:
		return fmt.Errorf("quality day %d: %w", d, err)
	case !rep.Success:
		return nil // the chain stops at a failed gate
	}
	o := abtest.DefaultOptions()
	o.Dataset, o.Load = fixtureDataset, scoring.LoadPredictor
	o.Stats.Resamples = abtest.MinResamples
	err = s.run(ctx, "ab-eval", func(ctx context.Context, env *jobs.Env) error {
		_, err := (&abtest.Evaluator{Bucket: env.Bucket, Opt: o, Log: env.Log}).RunDays(ctx, []int{d})
		return err
	})
	if err != nil {
		return err
	}
	// The day's A/B result starts the retrain step: NCF's version of the end of day d.
	return s.run(ctx, "retrain", func(ctx context.Context, env *jobs.Env) error {
		_, err := (&abtest.Evaluator{Bucket: env.Bucket, Opt: o, Log: env.Log}).Retrain(ctx, []int{d})
		return err
	})
}

// fixtureBucket is the fixture, built once per test process; tests copy it.
var fixtureBucket = sync.OnceValues(func() (*blob.Mem, error) {
	ctx := context.Background()
	b := blob.NewMem()
	s := &stages{b: b, log: slog.New(slog.DiscardHandler)}
	th, err := quality.ParseThresholds(fixtureThresholds)
	if err != nil {
		return nil, err
	}
	s.th = th
	data, err := s.prepare(ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range []string{"ncf", "ss4rec"} {
		if err := s.train(ctx, data, m); err != nil {
			return nil, err
		}
	}
	for d := 1; d <= fixtureDays; d++ {
		if err := s.releaseDay(ctx, d); err != nil {
			return nil, err
		}
	}
	return b, nil
})

// newFixture returns a copy of the fixture that a test may change.
func newFixture(t testing.TB) *blob.Mem {
	t.Helper()
	ctx := context.Background()
	t0 := time.Now()
	src, err := fixtureBucket()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fixture built in %s", time.Since(t0).Round(time.Millisecond))
	dst := blob.NewMem()
	list, err := src.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		data, err := blob.ReadAll(ctx, src, a.Key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := blob.PutBytes(ctx, dst, a.Key, data, blob.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}
