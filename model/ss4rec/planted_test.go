package ss4rec_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/model/planted"
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/trainer"
)

// plantedConfig is the SS4Rec run of the planted-signal tests: the committed net's
// time path (DefaultNet) at half the width, so that a run takes about a minute.
const plantedConfig = `model: ss4rec
dataset: planted
seed: 1
train: {epochs: 30, batch_size: 32, lr: 0.005, schedule: cosine, min_lr: 0.0002, embedding_decay: 0.01, patience: 3, keep_checkpoints: 1}
net: {dim: 16, s5_states: 16, expand: 2, mamba_states: 8, blocks: 2, max_seq_len: 50, dropout: 0.1}
`

// plantedRun trains SS4Rec on d with the overrides and returns its test scores.
func plantedRun(t *testing.T, d *planted.Data, overrides []string) (scoring.SplitScores, *trainer.Summary) {
	t.Helper()
	cfg, err := trainer.ParseConfig([]byte(plantedConfig), "", overrides)
	if err != nil {
		t.Fatal(err)
	}
	b := blob.NewMem()
	s, err := trainer.TrainRun(context.Background(), b, cfg, &trainer.Data{Train: d.Train, Val: d.Val, Test: d.Test},
		trainer.RunOptions{Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := blob.ReadAll(context.Background(), b, s.MetricsKey)
	if err != nil {
		t.Fatal(err)
	}
	var curve []string
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var m trainer.EpochMetrics
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		curve = append(curve, fmt.Sprintf("%.3f/%.3f", math.Sqrt(m.TrainLoss), m.ValRMSE))
	}
	t.Logf("%v: train/validation RMSE by epoch %s", overrides, strings.Join(curve, " "))
	return s.Test["ss4rec"], s
}

// TestPlantedTimeEffects: on data with a planted time effect, the time-aware model
// comes within 10% of the oracle-feature baseline's test RMSE, and the time-blind
// model does not. Minutes of CPU: set SS4REC_PLANTED=1 (make bench runs it).
// SS4REC_PLANTED_SHAPES (comma-separated) picks shapes; SS4REC_PLANTED_SET adds
// config overrides (comma-separated key=value) to both runs; SS4REC_PLANTED_AWARE_ONLY
// skips the time-blind run (for experiments).
func TestPlantedTimeEffects(t *testing.T) {
	if os.Getenv("SS4REC_PLANTED") == "" {
		t.Skip("SS4REC_PLANTED not set (minutes of CPU)")
	}
	shapes := planted.Shapes
	if v := os.Getenv("SS4REC_PLANTED_SHAPES"); v != "" {
		shapes = nil
		for _, s := range strings.Split(v, ",") {
			shapes = append(shapes, planted.Shape(s))
		}
	}
	var extra []string
	if v := os.Getenv("SS4REC_PLANTED_SET"); v != "" {
		extra = strings.Split(v, ",")
	}
	ctx := context.Background()
	for _, shape := range shapes {
		d, err := planted.Generate(planted.DefaultConfig(shape, 1))
		if err != nil {
			t.Fatal(err)
		}
		fb, err := planted.FeatureBaseline(shape, d.Train)
		if err != nil {
			t.Fatal(err)
		}
		testHist := scoring.NewHistory(d.Train, d.Val, d.Test)
		known := scoring.NewKnown(d.Train)
		orc, err := scoring.Evaluate(ctx, d.Oracle(), testHist, d.Test, known)
		if err != nil {
			t.Fatal(err)
		}
		feat, err := scoring.Evaluate(ctx, fb, testHist, d.Test, known)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		aware, s := plantedRun(t, d, extra)
		awareSecs := time.Since(start).Seconds()
		awareOnly := os.Getenv("SS4REC_PLANTED_AWARE_ONLY") != ""
		var blind scoring.SplitScores
		if !awareOnly {
			blind, _ = plantedRun(t, d, append([]string{"net.time_blind=true"}, extra...))
		}
		hab := s.Test["history-aware-bias"]
		line := fmt.Sprintf("| %s | %.4f | %.4f | %.4f | %.4f | %.4f |", shape, orc.All.RMSE, feat.All.RMSE, aware.All.RMSE, blind.All.RMSE, hab.All.RMSE)
		t.Logf("%s (time-aware: %d epochs, best %d, %.0f s)", line, s.Epochs, s.BestEpoch, awareSecs)
		if bar := 1.1 * feat.All.RMSE; aware.All.RMSE > bar {
			t.Errorf("%s: time-aware RMSE %.4f is not within 10%% of the oracle-feature baseline %.4f", shape, aware.All.RMSE, feat.All.RMSE)
		}
		if bar := 1.1 * feat.All.RMSE; !awareOnly && blind.All.RMSE <= bar {
			t.Errorf("%s: the time-blind control reaches %.4f, within 10%% of the oracle-feature baseline %.4f: the data do not need time", shape, blind.All.RMSE, feat.All.RMSE)
		}
	}
}
