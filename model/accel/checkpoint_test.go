//go:build cuemu || recpipe_cuda

package accel_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/model/kernels/cuda/cudatest"
	"github.com/recpipe/recpipe/model/ncf"
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/ss4rec"
	"github.com/recpipe/recpipe/model/trainer"
)

// TestCheckpointsAcrossDevices holds checkpoints and model.bin to one format whichever
// device trained them: a run killed in its second epoch on the device resumes from
// its checkpoint on the CPU, and one killed on the CPU resumes on the device; both end
// where an uninterrupted CPU run ends (within cudatest.TolEpochParams), every run
// writes the same keys, and model.bin has the same size and decodes the same way.
func TestCheckpointsAcrossDevices(t *testing.T) {
	for _, tc := range []struct {
		model, config string
		sets          []string
		cpu           trainer.Accelerator
		data          *trainer.Data
	}{
		{ss4rec.Name, "../../configs/ss4rec.yaml", []string{"train.batch_size=8", "net.max_seq_len=10", "net.mamba_only=false"}, oneWorker{}, split(cudatest.Synthetic(30, 25, 150))},
		{ncf.Name, "../../configs/ncf.yaml", []string{"train.batch_size=128"}, nil, split(cudatest.Synthetic(200, 20, 300))},
	} {
		t.Run(tc.model, func(t *testing.T) {
			file, err := os.ReadFile(tc.config)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := trainer.ParseConfig(file, tc.model, append([]string{"train.epochs=2", "dataset=synthetic"}, tc.sets...))
			if err != nil {
				t.Fatal(err)
			}
			dev := openDevice(t)
			ref := blob.NewMem()
			full := runTo(t, ref, cfg, tc.data, tc.cpu, false, false)
			for _, c := range []struct {
				name         string
				first, reuse trainer.Accelerator
			}{{"device then cpu", dev, tc.cpu}, {"cpu then device", tc.cpu, dev}} {
				b := blob.NewMem()
				dev.D.ResetCopies()
				runTo(t, b, cfg, tc.data, c.first, true, false)
				up := dev.D.Copies().HtoD
				resumed := runTo(t, b, cfg, tc.data, c.reuse, false, true)
				if up == 0 && c.first == dev || dev.D.Copies().HtoD == up && c.reuse == dev {
					t.Fatalf("%s: the device did not train (%d copies up, then %d)", c.name, up, dev.D.Copies().HtoD)
				}
				if len(resumed) != len(full) {
					t.Errorf("%s: model.bin of %d bytes, the CPU run's %d", c.name, len(resumed), len(full))
				}
				worst := 0.0
				got, want := paramsOf(t, resumed), paramsOf(t, full)
				for i, p := range got {
					if p.Name != want[i].Name || len(p.Value) != len(want[i].Value) {
						t.Fatalf("%s: tensor %d is %s[%d], the CPU run's %s[%d]", c.name, i, p.Name, len(p.Value), want[i].Name, len(want[i].Value))
					}
					worst = max(worst, cudatest.NormErr(p.Value, want[i].Value))
				}
				t.Logf("%s: resumed run within %.3g of the uninterrupted CPU run (tensor scale)", c.name, worst)
				if worst > cudatest.TolEpochParams {
					t.Errorf("%s: resumed run differs from the CPU run by %.3g > %.3g", c.name, worst, cudatest.TolEpochParams)
				}
				if k, r := keysOf(t, b), keysOf(t, ref); !slices.Equal(k, r) {
					t.Errorf("%s: the run wrote %v, the CPU run %v", c.name, k, r)
				}
			}
		})
	}
}

// runTo trains cfg into b on acc (nil: the host graph), killed at the second epoch's
// second batch when kill is set, resumed from b's last checkpoint when resume is; it
// returns the finished run's model.bin.
func runTo(t *testing.T, b blob.Bucket, cfg *trainer.Config, data *trainer.Data, acc trainer.Accelerator, kill, resume bool) []byte {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	opt := trainer.RunOptions{Log: slog.New(slog.DiscardHandler), Accelerator: acc, Resume: resume}
	if kill {
		opt.OnBatch = func(e, bi int) {
			if e == 1 && bi == 1 {
				stop()
			}
		}
	}
	s, err := trainer.TrainRun(ctx, b, cfg, data, opt)
	if kill {
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("killed run: err = %v, want context.Canceled", err)
		}
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	bin, err := blob.ReadAll(ctx, b, trainer.RunPrefix(cfg.Model, s.Run)+layout.RunModelName)
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// paramsOf decodes a model.bin and returns its tensors.
func paramsOf(t *testing.T, bin []byte) []*trainer.Param {
	t.Helper()
	p, err := scoring.Load(bytes.NewReader(bin))
	if err != nil {
		t.Fatalf("model.bin does not load: %v", err)
	}
	tr, ok := p.(interface{ Params() []*trainer.Param })
	if !ok {
		t.Fatalf("model.bin decodes to %T, which has no Params", p)
	}
	return tr.Params()
}

// keysOf lists b's keys, without the run's timing-dependent logs.
func keysOf(t *testing.T, b blob.Bucket) []string {
	t.Helper()
	ls, err := b.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, a := range ls {
		if !strings.Contains(a.Key, "/logs/") {
			keys = append(keys, a.Key)
		}
	}
	slices.Sort(keys)
	return keys
}
