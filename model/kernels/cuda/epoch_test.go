package cuda_test

import (
	"context"
	"math"
	"os"
	"testing"

	"github.com/recpipe/recpipe/model/kernels"
	"github.com/recpipe/recpipe/model/kernels/cuda/cudatest"
)

// TestEpochHarness runs the epoch benchmark's harness on the CPU on a small synthetic
// set, so the GPU check cannot fail on the harness itself, and checks it is seeded:
// two runs give the same training loss, and one worker instead of several changes it
// by float32 rounding only.
func TestEpochHarness(t *testing.T) {
	file, err := os.ReadFile("../../../configs/ss4rec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rows := cudatest.Synthetic(40, 30, 200)
	over := []string{"train.batch_size=16", "net.max_seq_len=10", "net.mamba_only=false"} // both scans, whatever the committed net
	a, err := cudatest.Epoch(context.Background(), file, over, rows, kernels.CPU{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := cudatest.Epoch(context.Background(), file, over, rows, kernels.CPU{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := cudatest.Epoch(context.Background(), file, over, rows, kernels.CPU{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if a.Rows != len(rows) || a.Windows == 0 || a.Targets == 0 || math.IsNaN(a.TrainMSE) {
		t.Fatalf("epoch %+v", a)
	}
	if a.TrainMSE != b.TrainMSE {
		t.Errorf("train MSE %v then %v: the epoch is not deterministic", a.TrainMSE, b.TrainMSE)
	}
	if d := math.Abs(a.TrainMSE-c.TrainMSE) / a.TrainMSE; d > 1e-5 {
		t.Errorf("train MSE %v with parallel workers, %v with one: relative difference %.2g", a.TrainMSE, c.TrainMSE, d)
	}
	t.Logf("%+v", a)
}
