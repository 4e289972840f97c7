//go:build cuemu || recpipe_cuda

package accel_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/kernels"
	"github.com/recpipe/recpipe/model/kernels/cuda/cudatest"
	"github.com/recpipe/recpipe/model/ncf"
	"github.com/recpipe/recpipe/model/ss4rec"
	"github.com/recpipe/recpipe/model/trainer"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// stepper is one training step of either path.
type stepper func(ctx context.Context, b trainer.Batch, lr, clip float64) (trainer.DeviceStep, error)

// hostStepper is the trainer's host step: forward and backward on the gorgonia graph
// (SS4Rec's scans on kernels.CPU with every core), the norm, clipping and Adam.
func hostStepper(m trainer.Trainable, adam *trainer.Adam) stepper {
	params := m.Params()
	return func(ctx context.Context, b trainer.Batch, lr, clip float64) (trainer.DeviceStep, error) {
		for _, p := range params {
			p.ZeroGrad()
		}
		l, err := m.Step(ctx, b)
		if err != nil {
			return trainer.DeviceStep{}, err
		}
		var sq float64
		for _, p := range params {
			sq += p.GradSqNorm()
		}
		norm, scale := math.Sqrt(sq), 1.0
		if clip > 0 && norm > clip {
			scale = clip / norm
		}
		adam.Update(params, lr, scale)
		return trainer.DeviceStep{Loss: l, Norm: norm}, nil
	}
}

// BenchmarkSS4RecEpoch times SS4Rec training steps on the host (CPU) and with the
// whole step resident on the device (BenchmarkEpoch).
func BenchmarkSS4RecEpoch(b *testing.B) { benchmarkEpoch(b, ss4rec.Name) }

// BenchmarkNCFEpoch times NCF training steps on the host and on the device.
func BenchmarkNCFEpoch(b *testing.B) { benchmarkEpoch(b, ncf.Name) }

// benchmarkEpoch times training steps of model on the host (CPU) and with the whole
// step resident on the device, on ml-latest-small (every rating of the shipped
// release, or $RECPIPE_PREPARED/train.csv; the committed config) and on a synthetic
// set at ML-32M scale ($RECPIPE_SYNTH_USERS × $RECPIPE_SYNTH_LEN ratings over
// $RECPIPE_SYNTH_ITEMS items, default 200,000 × 160 over 87,585 = 32M; SS4Rec's batch
// $RECPIPE_SYNTH_BATCH windows, default 1024, NCF's the committed one). Each runs the
// first $RECPIPE_STEPS_SMALL / $RECPIPE_STEPS_SYNTH batches of a seeded epoch order
// (default 0 = the whole epoch, and 20) and reports seconds per step, examples per
// second and the epoch's seconds extrapolated from them (s/epoch; exact when every
// batch ran).
func benchmarkEpoch(b *testing.B, model string) {
	file, err := os.ReadFile("../../configs/" + model + ".yaml")
	if err != nil {
		b.Fatal(err)
	}
	small, what, err := cudatest.SmallTrain(os.Getenv("RECPIPE_PREPARED"))
	if err != nil {
		b.Fatal(err)
	}
	synthBatch := 0
	if model == ss4rec.Name {
		synthBatch = envInt("RECPIPE_SYNTH_BATCH", 1024)
	}
	sets := []struct {
		name  string
		rows  func() []ratings.Rating
		batch int
		steps int
	}{
		{"ml-latest-small", func() []ratings.Rating { return small }, 0, envInt("RECPIPE_STEPS_SMALL", 0)},
		{"synthetic-32m", synthetic32M, synthBatch, envInt("RECPIPE_STEPS_SYNTH", 20)},
	}
	for _, set := range sets {
		start := time.Now()
		rows := set.rows()
		var over []string
		if set.batch > 0 {
			over = append(over, fmt.Sprintf("train.batch_size=%d", set.batch))
		}
		cfg, err := trainer.ParseConfig(file, model, over)
		if err != nil {
			b.Fatal(err)
		}
		src := "synthetic"
		if set.name == "ml-latest-small" {
			src = what
		}
		m, err := newModel(cfg, rows)
		if err != nil {
			b.Fatal(err)
		}
		label := fmt.Sprintf("%s: %d ratings (%s), data and model built in %.1fs", set.name, len(rows), src, time.Since(start).Seconds())
		init := snapshot(m.Params())
		for _, dev := range []string{"cpu", "device"} {
			b.Run(set.name+"/"+dev, func(b *testing.B) {
				b.Log(label)
				for range b.N {
					restore(m.Params(), init)
					epochSteps(b, cfg, m, dev, set.steps)
				}
			})
		}
	}
}

// synthetic32M is the synthetic ML-32M-scale set, made once per process.
var synthetic32M = sync.OnceValue(func() []ratings.Rating {
	return cudatest.Synthetic(envInt("RECPIPE_SYNTH_USERS", 200000), envInt("RECPIPE_SYNTH_LEN", 160), envInt("RECPIPE_SYNTH_ITEMS", 87585))
})

// snapshot copies the params' values; restore puts them back, so both paths start
// from the same model built once (building SS4Rec over 32M ratings takes a minute).
func snapshot(ps []*trainer.Param) [][]float32 {
	out := make([][]float32, len(ps))
	for i, p := range ps {
		out[i] = slices.Clone(p.Value)
	}
	return out
}

func restore(ps []*trainer.Param, vals [][]float32) {
	for i, p := range ps {
		copy(p.Value, vals[i])
		p.ZeroGrad()
	}
}

// newModel builds the model of cfg over rows (SS4Rec's scans on every core).
func newModel(cfg *trainer.Config, rows []ratings.Rating) (trainer.Trainable, error) {
	switch net := cfg.Net.(type) {
	case *ss4rec.Net:
		m, err := ss4rec.New(net, rows, cfg.Seed)
		if err == nil {
			m.Backend = kernels.CPU{}
		}
		return m, err
	case *ncf.Net:
		return ncf.New(net, rows, cfg.Seed)
	default:
		return nil, fmt.Errorf("no benchmark model for net %T", net)
	}
}

// epochSteps attaches m with fresh Adam moments (not timed), then times up to steps
// batches of a seeded epoch order on the host or the device.
func epochSteps(b *testing.B, cfg *trainer.Config, m trainer.Trainable, dev string, steps int) {
	b.StopTimer()
	ctx := context.Background()
	built := time.Now()
	params, tc := m.Params(), cfg.Train
	adam := trainer.NewAdam(params, tc.Beta1, tc.Beta2, tc.Eps)
	step := hostStepper(m, adam)
	if dev == "device" {
		a := openDevice(b)
		st, err := a.Attach(m, params, adam, tc)
		if err != nil {
			b.Fatal(err)
		}
		step = st.Step
	}
	order := rand.New(rand.NewPCG(cfg.Seed, 0)).Perm(m.Examples())
	batches := (len(order) + tc.BatchSize - 1) / tc.BatchSize
	n := batches
	if steps > 0 && steps < n {
		n = steps
	}
	b.Logf("%s attach %.1fs: %d examples, %d batches of %d", dev, time.Since(built).Seconds(), len(order), batches, tc.BatchSize)
	b.StartTimer()
	start := time.Now()
	var loss trainer.Loss
	examples := 0
	for i := range n {
		ex := order[i*tc.BatchSize : min((i+1)*tc.BatchSize, len(order))]
		r, err := step(ctx, trainer.Batch{Index: i, Examples: ex, Seed: uint64(i)}, tc.LR, tc.ClipNorm)
		if err != nil {
			b.Fatal(err)
		}
		loss.SumSq += r.Loss.SumSq
		loss.Count += r.Loss.Count
		examples += len(ex)
	}
	secs := time.Since(start).Seconds()
	b.StopTimer()
	b.ReportMetric(secs/float64(n), "s/step")
	b.ReportMetric(float64(examples)/secs, "examples/s")
	b.ReportMetric(secs/float64(n)*float64(batches), "s/epoch")
	b.Logf("%s: %d of %d steps in %.2fs, train MSE %.4f; epoch %.1fs (%s)", dev, n, batches, secs,
		loss.SumSq/math.Max(1, float64(loss.Count)), secs/float64(n)*float64(batches), map[bool]string{true: "measured", false: "extrapolated"}[n == batches])
}
