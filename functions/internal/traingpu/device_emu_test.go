//go:build cuemu

package traingpu

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/envflag"
	"github.com/recpipe/recpipe/jobs"
	"github.com/recpipe/recpipe/model/kernels/cuda/cudatest"
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/trainer"
)

// TestDeviceCUDAEqualsCPU runs `train-gpu --device cuda` (the .cu kernels on the CPU
// emulation) and `--device cpu` on the same prepared data with the SS4Rec and NCF demo
// configs: the same run id, validation RMSE within cudatest.TolEpoch and model.bin
// tensors within cudatest.TolEpochParams of their scale.
func TestDeviceCUDAEqualsCPU(t *testing.T) {
	for _, model := range []string{"ss4rec", "ncf"} {
		t.Run(model, func(t *testing.T) {
			args := []string{"--model", model, "--config", "../../../configs/" + model + "-demo.yaml", "--dataset", "synthetic-3000",
				"--epochs", "1", "--set", "net.max_seq_len=20"}
			if model == "ncf" {
				args = args[:len(args)-2]
			}
			cuda, cpu := trainWith(t, append(args, "--device", "cuda")), trainWith(t, append(args, "--device", "cpu"))
			if cuda.s.Run != cpu.s.Run {
				t.Errorf("run ids differ: cuda %s, cpu %s", cuda.s.Run, cpu.s.Run)
			}
			dv, cv := cuda.s.Validation[model].All.RMSE, cpu.s.Validation[model].All.RMSE
			t.Logf("validation RMSE: cuda %.9g, cpu %.9g", dv, cv)
			if d := (dv - cv) / cv; d > cudatest.TolEpoch || d < -cudatest.TolEpoch || !(cv > 0) {
				t.Errorf("validation RMSE: cuda %.9g, cpu %.9g", dv, cv)
			}
			worst := 0.0
			for i, p := range cuda.params {
				worst = max(worst, cudatest.NormErr(p.Value, cpu.params[i].Value))
			}
			t.Logf("model.bin: %d tensors within %.3g of their scale", len(cuda.params), worst)
			if worst > cudatest.TolEpochParams {
				t.Errorf("model.bin differs by %.3g of a tensor's scale > %.3g", worst, cudatest.TolEpochParams)
			}
		})
	}
}

type trained struct {
	s      trainer.Summary
	params []*trainer.Param
}

// trainWith runs train-gpu with args on a freshly prepared bucket and reads back its
// summary and model.bin.
func trainWith(t *testing.T, args []string) trained {
	t.Helper()
	ctx := context.Background()
	b := testEnv(t).Bucket
	var stdout, stderr bytes.Buffer
	inv := jobs.IO{Args: args, Getenv: func(string) string { return "" }, Stdout: &stdout, Stderr: &stderr}
	if code := jobs.RunCommand(ctx, Command(), inv, b); code != envflag.ExitOK {
		t.Fatalf("train-gpu %s: exit %d: %s", strings.Join(args, " "), code, stderr.String())
	}
	ls, err := b.List(ctx, "models/")
	if err != nil {
		t.Fatal(err)
	}
	var tr trained
	for _, a := range ls {
		if !strings.HasSuffix(a.Key, "/summary.json") {
			continue
		}
		raw, err := blob.ReadAll(ctx, b, a.Key)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &tr.s); err != nil {
			t.Fatal(err)
		}
		bin, err := blob.ReadAll(ctx, b, tr.s.ModelKey)
		if err != nil {
			t.Fatal(err)
		}
		p, err := scoring.Load(bytes.NewReader(bin))
		if err != nil {
			t.Fatal(err)
		}
		tr.params = p.(interface{ Params() []*trainer.Param }).Params()
		return tr
	}
	t.Fatalf("train-gpu %s wrote no summary", strings.Join(args, " "))
	return tr
}
