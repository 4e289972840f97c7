//go:build cuemu || recpipe_cuda

package accel_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/accel"
	"github.com/recpipe/recpipe/model/kernels"
	"github.com/recpipe/recpipe/model/kernels/cuda/cudatest"
	"github.com/recpipe/recpipe/model/ncf"
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/ss4rec"
	"github.com/recpipe/recpipe/model/trainer"
)

// oneWorker runs SS4Rec's scans on the CPU with one worker, the batch order the .cu
// kernels follow.
type oneWorker struct{}

func (oneWorker) Attach(m trainer.Trainable, _ []*trainer.Param, _ *trainer.Adam, _ trainer.TrainConfig) (trainer.DeviceStepper, error) {
	if s, ok := m.(*ss4rec.Model); ok {
		s.Backend = kernels.CPU{Workers: 1}
	}
	return nil, nil
}

// split keeps each user's last rating for validation (the rows are per user in time order).
func split(rows []ratings.Rating) *trainer.Data {
	d := &trainer.Data{}
	for i, r := range rows {
		if i+1 == len(rows) || rows[i+1].User != r.User {
			d.Val = append(d.Val, r)
		} else {
			d.Train = append(d.Train, r)
		}
	}
	return d
}

// run is one finished training run: its metrics and the params of its model.bin.
type run struct {
	metrics []trainer.EpochMetrics
	params  []*trainer.Param
	secs    float64
}

func train(t *testing.T, model, configFile string, sets []string, data *trainer.Data, acc trainer.Accelerator) run {
	t.Helper()
	ctx := context.Background()
	file, err := os.ReadFile(configFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := trainer.ParseConfig(file, model, sets)
	if err != nil {
		t.Fatal(err)
	}
	b := blob.NewMem()
	start := time.Now()
	opt := trainer.RunOptions{Log: slog.New(slog.DiscardHandler)}
	if acc != nil {
		opt.Accelerator = acc
	}
	s, err := trainer.TrainRun(ctx, b, cfg, data, opt)
	if err != nil {
		t.Fatal(err)
	}
	r := run{secs: time.Since(start).Seconds()}
	lines, err := blob.ReadAll(ctx, b, s.MetricsKey)
	if err != nil {
		t.Fatal(err)
	}
	for sc := bufio.NewScanner(bytes.NewReader(lines)); sc.Scan(); {
		var m trainer.EpochMetrics
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		r.metrics = append(r.metrics, m)
	}
	bin, err := blob.ReadAll(ctx, b, trainer.RunPrefix(model, s.Run)+layout.RunModelName)
	if err != nil {
		t.Fatal(err)
	}
	p, err := scoring.Load(bytes.NewReader(bin))
	if err != nil {
		t.Fatalf("model.bin of the run does not load: %v", err)
	}
	tr, ok := p.(interface{ Params() []*trainer.Param })
	if !ok {
		t.Fatalf("model.bin decodes to %T, which has no Params", p)
	}
	r.params = tr.Params()
	return r
}

func openDevice(t testing.TB) *accel.Accel {
	t.Helper()
	a, err := accel.Open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Error(err)
		}
	})
	return a
}

// compare fails t when the device run's loss or any parameter of its model.bin differs
// from the CPU run's by more than tol (tolParams relative to the tensor's scale), and logs the
// figures.
func compare(t *testing.T, dev, cpu run, tol, tolParams float64) {
	t.Helper()
	if len(dev.metrics) != len(cpu.metrics) || len(dev.params) != len(cpu.params) {
		t.Fatalf("device run: %d epochs, %d tensors; CPU run: %d, %d", len(dev.metrics), len(dev.params), len(cpu.metrics), len(cpu.params))
	}
	for i, m := range dev.metrics {
		c := cpu.metrics[i]
		for _, v := range []struct {
			what     string
			dev, cpu float64
		}{{"train loss", m.TrainLoss, c.TrainLoss}, {"val RMSE", m.ValRMSE, c.ValRMSE}, {"grad norm", m.GradNorm, c.GradNorm}} {
			rel := relDiff(v.dev, v.cpu)
			t.Logf("epoch %d %-10s device %.9g CPU %.9g relative difference %.3g", m.Epoch, v.what, v.dev, v.cpu, rel)
			if rel > tol {
				t.Errorf("epoch %d %s: device %.9g, CPU %.9g: relative difference %.3g > %.3g", m.Epoch, v.what, v.dev, v.cpu, rel, tol)
			}
		}
	}
	worst := 0.0
	for i, p := range dev.params {
		q := cpu.params[i]
		if p.Name != q.Name || len(p.Value) != len(q.Value) {
			t.Fatalf("tensor %d: device %s[%d], CPU %s[%d]", i, p.Name, len(p.Value), q.Name, len(q.Value))
		}
		e := cudatest.NormErr(p.Value, q.Value)
		worst = max(worst, e)
		if e > tolParams {
			t.Errorf("parameter %s: device differs from CPU by %.3g of its scale > %.3g", p.Name, e, tolParams)
		}
	}
	t.Logf("worst parameter difference %.3g of the tensor's scale over %d tensors; seconds: device %.1f, CPU %.1f", worst, len(dev.params), dev.secs, cpu.secs)
}

func relDiff(a, b float64) float64 {
	if a == b {
		return 0
	}
	return abs(a-b) / max(abs(a), abs(b))
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestSS4RecEpochOnDevice trains SS4Rec epochs with the whole step resident on the
// emulated device (embeddings, products, scans, layer norms, dropout drawn on the
// device, loss, backward, clipping and Adam) and on the CPU's gorgonia graph: the
// committed net (Mamba-only) and the full one (S5 and Mamba). The runs (loss,
// validation, model.bin) must agree within cudatest.TolEpoch and TolEpochParams.
func TestSS4RecEpochOnDevice(t *testing.T) {
	data := split(cudatest.Synthetic(30, 25, 150))
	for _, tc := range []struct {
		name string
		sets []string
	}{
		{"committed", []string{"train.epochs=2"}},
		{"full", []string{"train.epochs=1", "net.mamba_only=false"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sets := append([]string{"train.batch_size=8", "net.max_seq_len=10", "dataset=synthetic"}, tc.sets...)
			dev := train(t, ss4rec.Name, "../../configs/ss4rec.yaml", sets, data, openDevice(t))
			cpu := train(t, ss4rec.Name, "../../configs/ss4rec.yaml", sets, data, oneWorker{})
			compare(t, dev, cpu, cudatest.TolEpoch, cudatest.TolEpochParams)
		})
	}
}

// TestNCFEpochOnDevice trains an NCF epoch with the whole step resident on the emulated
// device (gathers, cuBLAS-path products, loss, backward, norm, clipping and lazy Adam)
// and on the CPU's gorgonia graph: losses and model.bin agree within the tolerances.
func TestNCFEpochOnDevice(t *testing.T) {
	data := split(cudatest.Synthetic(200, 20, 300))
	sets := []string{"train.epochs=2", "train.batch_size=128", "dataset=synthetic"}
	dev := train(t, ncf.Name, "../../configs/ncf.yaml", sets, data, openDevice(t))
	cpu := train(t, ncf.Name, "../../configs/ncf.yaml", sets, data, nil)
	compare(t, dev, cpu, cudatest.TolEpoch, cudatest.TolEpochParams)
}

// TestNCFStepCopies holds the resident step to its transfer budget: per step one copy
// up (the batch's indices) and one down (the step's scalars), whatever the batch.
func TestNCFStepCopies(t *testing.T) {
	a := openDevice(t)
	file, err := os.ReadFile("../../configs/ncf.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := trainer.ParseConfig(file, ncf.Name, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ncf.New(cfg.Net.(*ncf.Net), cudatest.Synthetic(50, 10, 80), 1)
	if err != nil {
		t.Fatal(err)
	}
	params := m.Params()
	adam := trainer.NewAdam(params, 0.9, 0.999, 1e-8)
	st, err := a.Attach(m, params, adam, cfg.Train)
	if err != nil || st == nil {
		t.Fatalf("Attach = %v, %v; want a device stepper", st, err)
	}
	a.D.ResetCopies()
	const steps = 6
	for i := range steps {
		ex := make([]int, 32+i*7)
		for k := range ex {
			ex[k] = (k*13 + i) % m.Examples()
		}
		r, err := st.Step(context.Background(), trainer.Batch{Index: i, Examples: ex}, 1e-3, 5)
		if err != nil || r.NonFinite != "" || r.Loss.Count != len(ex) || !(r.Norm > 0) {
			t.Fatalf("step %d: %+v, %v", i, r, err)
		}
	}
	if c := a.D.Copies(); c.HtoD != steps || c.DtoH != steps {
		t.Errorf("%d steps made %d copies to the device and %d back (%d bytes); want one each per step", steps, c.HtoD, c.DtoH, c.Bytes)
	} else {
		t.Logf("%d steps: %d copies up, %d down, %d bytes in all", steps, c.HtoD, c.DtoH, c.Bytes)
	}
}
