package ss4rec_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/trainer"
)

// smallData is a deterministic toy split by time per user: the last row of each of
// 12 users is validation, a later row per user is test.
func smallData() *trainer.Data {
	r := rand.New(rand.NewPCG(8, 8))
	d := &trainer.Data{}
	for u := int32(1); u <= 12; u++ {
		t := int64(1_100_000_000) + int64(u)*1000
		n := 8 + r.IntN(30)
		for k := range n + 2 {
			t += int64(r.IntN(3)) * int64(1+r.IntN(200000))
			row := ratings.Rating{User: u, Item: 1 + int32(r.IntN(25)), Rating: float32(1+r.IntN(10)) / 2, Time: t}
			switch {
			case k < n:
				d.Train = append(d.Train, row)
			case k == n:
				d.Val = append(d.Val, row)
			default:
				d.Test = append(d.Test, row)
			}
		}
	}
	return d
}

// The shared trainer drives SS4Rec end to end: epochs, validation through Predict,
// model.bin, summary.json with the baselines; the stored model.bin loads back to the
// same predictions.
func toyConfig(t *testing.T) *trainer.Config {
	t.Helper()
	cfg, err := trainer.ParseConfig([]byte(`model: ss4rec
dataset: toy
train: {epochs: 3, batch_size: 4, lr: 0.003, patience: 3, keep_checkpoints: 1}
net: {dim: 8, s5_states: 4, expand: 2, mamba_states: 4, blocks: 2, max_seq_len: 10, dropout: 0.2}
`), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func modelBin(t *testing.T, b blob.Bucket, s *trainer.Summary) []byte {
	t.Helper()
	raw, err := blob.ReadAll(context.Background(), b, s.ModelKey)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// A run killed mid-epoch and resumed ends with the same parameters as an
// uninterrupted run: the model keeps no state between steps but its params, and
// dropout is seeded per batch.
func TestKillAndResumeGivesSameModel(t *testing.T) {
	ctx := context.Background()
	ref := blob.NewMem()
	s, err := trainer.TrainRun(ctx, ref, toyConfig(t), smallData(), trainer.RunOptions{Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	b := blob.NewMem()
	kctx, kill := context.WithCancel(ctx)
	_, err = trainer.TrainRun(kctx, b, toyConfig(t), smallData(), trainer.RunOptions{Log: quiet, OnBatch: func(e, bi int) {
		if e == 1 && bi == 3 {
			kill()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("killed run: err = %v, want context.Canceled", err)
	}
	r, err := trainer.TrainRun(ctx, b, toyConfig(t), smallData(), trainer.RunOptions{Resume: true, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(modelBin(t, ref, s), modelBin(t, b, r)) {
		t.Error("killed-and-resumed run ended with different parameters than the uninterrupted run")
	}
}

func TestTrainRunEndToEnd(t *testing.T) {
	cfg := toyConfig(t)
	data := smallData()
	b := blob.NewMem()
	ctx := context.Background()
	s, err := trainer.TrainRun(ctx, b, cfg, data, trainer.RunOptions{Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	v, ok := s.Validation["ss4rec"]
	if !ok || v.All.N != len(data.Val) || math.IsNaN(v.All.RMSE) || v.All.RMSE <= 0 {
		t.Fatalf("validation scores %+v", s.Validation)
	}
	if _, ok := s.Test["history-aware-bias"]; !ok {
		t.Fatalf("summary lacks the baselines: %v", s.Test)
	}
	p, err := scoring.Load(bytes.NewReader(modelBin(t, b, s)))
	if err != nil {
		t.Fatal(err)
	}
	hist := scoring.NewHistory(data.Train, data.Val, data.Test)
	pred, err := p.Predict(ctx, hist, data.Test)
	if err != nil {
		t.Fatal(err)
	}
	var se float64
	for i, r := range data.Test {
		d := float64(pred[i] - r.Rating)
		se += d * d
	}
	if got := math.Sqrt(se / float64(len(pred))); math.Abs(got-s.Test["ss4rec"].All.RMSE) > 1e-6 {
		t.Fatalf("loaded model's test RMSE %v, summary says %v", got, s.Test["ss4rec"].All.RMSE)
	}
}
