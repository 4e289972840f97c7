package ncf

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/trainer"
)

var quiet = slog.New(slog.DiscardHandler)

func testConfig(t *testing.T, extra ...string) *trainer.Config {
	t.Helper()
	cfg, err := trainer.ParseConfig([]byte(`
dataset: synth
train: {epochs: 4, batch_size: 32, lr: 0.01, patience: 4}
net: {gmf_dim: 4, mlp_dim: 4, tower: [8, 4], init_std: 0.1}
`), "ncf", extra)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func testData() *trainer.Data {
	rows := synth(400, 20, 25, 21)
	return &trainer.Data{Train: rows[:300], Val: rows[300:350], Test: rows[350:]}
}

func modelBin(t *testing.T, b blob.Bucket, s *trainer.Summary) []byte {
	t.Helper()
	data, err := blob.ReadAll(context.Background(), b, s.ModelKey)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestTrainRunLearnsAndIsIdempotent(t *testing.T) {
	ctx := context.Background()
	b := blob.NewMem()
	cfg := testConfig(t)
	s, err := trainer.TrainRun(ctx, b, cfg, testData(), trainer.RunOptions{Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if s.Schema != trainer.SummarySchema || s.Epochs != 4 || len(s.Validation) != 4 || len(s.Test) != 4 {
		t.Fatalf("summary: %+v", s)
	}
	if got, gm := s.Validation["ncf"].All.RMSE, s.Validation["global-mean"].All.RMSE; !(got < gm) {
		t.Errorf("ncf validation RMSE %.4f not below the global mean's %.4f", got, gm)
	}
	objs, _ := b.List(ctx, trainer.RunPrefix("ncf", s.Run))
	var keys []string
	for _, o := range objs {
		keys = append(keys, strings.TrimPrefix(o.Key, trainer.RunPrefix("ncf", s.Run)))
	}
	want := "best.ckpt epoch-0003.ckpt epoch-0004.ckpt config.yaml curves.html metrics.jsonl model.bin summary.json"
	if got := strings.ReplaceAll(strings.Join(keys, " "), "checkpoints/", ""); got != want {
		t.Errorf("run objects:\n got %s\nwant %s", got, want)
	}
	metrics, _ := blob.ReadAll(ctx, b, s.MetricsKey)
	if n := bytes.Count(metrics, []byte("\n")); n != 4 {
		t.Errorf("metrics.jsonl has %d lines, want 4", n)
	}
	// A rerun of the same config is a no-op; a forced rerun rebuilds identical bytes.
	bin := modelBin(t, b, s)
	sumKey := trainer.RunPrefix("ncf", s.Run) + "summary.json"
	sum1, _ := blob.ReadAll(ctx, b, sumKey)
	if _, err := trainer.TrainRun(ctx, b, cfg, testData(), trainer.RunOptions{OnBatch: func(int, int) { t.Fatal("rerun trained") }, Log: quiet}); err != nil {
		t.Fatal(err)
	}
	if _, err := trainer.TrainRun(ctx, b, cfg, testData(), trainer.RunOptions{Force: true, Log: quiet}); err != nil {
		t.Fatal(err)
	}
	sum2, _ := blob.ReadAll(ctx, b, sumKey)
	if !bytes.Equal(bin, modelBin(t, b, s)) || !bytes.Equal(sum1, sum2) {
		t.Error("a forced rerun of the same config wrote different model.bin or summary.json bytes")
	}
	// The champion loads back to the same predictions.
	if _, err := trainer.Promote(ctx, b, s); err != nil {
		t.Fatal(err)
	}
	p, c, err := scoring.LoadPredictor(ctx, b, "ncf")
	if err != nil {
		t.Fatal(err)
	}
	if c.Run != s.Run || c.ValRMSE != s.Validation["ncf"].All.RMSE {
		t.Errorf("champion %+v does not match summary", c)
	}
	d := testData()
	sc, err := scoring.Evaluate(ctx, p, scoring.NewHistory(d.Train, d.Val), d.Val, scoring.NewKnown(d.Train))
	if err != nil {
		t.Fatal(err)
	}
	if sc != s.Validation["ncf"] {
		t.Errorf("loaded champion scores %+v, summary %+v", sc, s.Validation["ncf"])
	}
}

func TestKillAndResumeGivesSameModel(t *testing.T) {
	ctx := context.Background()
	ref := blob.NewMem()
	s, err := trainer.TrainRun(ctx, ref, testConfig(t), testData(), trainer.RunOptions{Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	b := blob.NewMem()
	kctx, kill := context.WithCancel(ctx)
	_, err = trainer.TrainRun(kctx, b, testConfig(t), testData(), trainer.RunOptions{Log: quiet, OnBatch: func(e, bi int) {
		if e == 2 && bi == 3 { // mid-epoch 3
			kill()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("killed run: err = %v, want context.Canceled", err)
	}
	if _, err := trainer.TrainRun(ctx, b, testConfig(t), testData(), trainer.RunOptions{Log: quiet}); !errors.Is(err, trainer.ErrRunExists) {
		t.Fatalf("restart without resume: err = %v, want ErrRunExists", err)
	}
	cfg, err := trainer.LoadRunConfig(ctx, b, "ncf", s.Run)
	if err != nil {
		t.Fatal(err)
	}
	r, err := trainer.TrainRun(ctx, b, cfg, testData(), trainer.RunOptions{Resume: true, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if r.Run != s.Run {
		t.Fatalf("resumed run id %s, want %s", r.Run, s.Run)
	}
	if !bytes.Equal(modelBin(t, ref, s), modelBin(t, b, r)) {
		t.Error("killed-and-resumed run ended with different parameters than the uninterrupted run")
	}
}

func TestNaNStopsTrainingWithDebugState(t *testing.T) {
	ctx := context.Background()
	b := blob.NewMem()
	d := testData()
	d.Train = append([]ratings.Rating(nil), d.Train...)
	// The model reads its training rows in place: poison them before epoch 2, batch 3.
	inject := func(e, bi int) {
		if e == 1 && bi == 3 {
			for k := range d.Train {
				d.Train[k].Rating = float32(math.NaN())
			}
		}
	}
	_, err := trainer.TrainRun(ctx, b, testConfig(t), d, trainer.RunOptions{OnBatch: inject, Log: quiet})
	var nf *trainer.NonFiniteError
	if !errors.As(err, &nf) || !errors.Is(err, scoring.ErrNonFinite) {
		t.Fatalf("err = %v, want a NonFiniteError", err)
	}
	if nf.Epoch != 2 || nf.Batch != 3 || nf.Tensor != "loss" {
		t.Errorf("stopped at epoch %d batch %d tensor %q, want epoch 2 batch 3 loss", nf.Epoch, nf.Batch, nf.Tensor)
	}
	var dbg struct {
		Schema   string         `json:"schema"`
		Batch    int            `json:"batch"`
		Examples []int          `json:"examples"`
		Rows     []string       `json:"rows"`
		Norms    map[string]any `json:"param_norms"`
	}
	if err := blob.ReadJSON(ctx, b, nf.DebugKey, &dbg); err != nil {
		t.Fatal(err)
	}
	if dbg.Schema != trainer.DebugSchema || dbg.Batch != 3 || len(dbg.Examples) != 32 || len(dbg.Rows) != 32 ||
		!strings.Contains(dbg.Rows[0], "NaN") || len(dbg.Norms) != 14 {
		t.Errorf("debug state %+v: want batch 3's 32 examples and rows, and 14 parameter norms", dbg)
	}
}
