//go:build cuemu

package cuemu_test

import (
	"context"
	"math"
	"os"
	"testing"

	"github.com/recpipe/recpipe/model/kernels"
	"github.com/recpipe/recpipe/model/kernels/cuda"
	"github.com/recpipe/recpipe/model/kernels/cuda/cudatest"
	"github.com/recpipe/recpipe/model/kernels/cuda/cuemu"
)

// TestEmulatedKernelsMatchCPU runs the GPU equivalence checks on the CPU emulation of
// the .cu kernels, through the same Device launch code the GPU uses.
func TestEmulatedKernelsMatchCPU(t *testing.T) {
	dev, err := cuemu.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := dev.Close(); err != nil {
			t.Error(err)
		}
	})
	cudatest.CheckAll(t, dev, cudatest.Small)
}

// TestEmulatedEpochMatchesCPU trains one SS4Rec epoch with the emulated kernels behind
// the seam and with the CPU kernels (one worker): the training losses must agree
// within cudatest.TolEpoch.
func TestEmulatedEpochMatchesCPU(t *testing.T) {
	file, err := os.ReadFile("../../../../configs/ss4rec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dev, err := cuemu.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	rows := cudatest.Synthetic(30, 25, 150)
	over := []string{"train.batch_size=8", "net.max_seq_len=10", "net.mamba_only=false"} // both scans, whatever the committed net
	emu, err := cudatest.Epoch(context.Background(), file, over, rows, cuda.Backend{D: dev})
	if err != nil {
		t.Fatal(err)
	}
	cpu, err := cudatest.Epoch(context.Background(), file, over, rows, kernels.CPU{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	// The CPU's AVX2 selective scan sums in another order than the scalar Go code the
	// kernels mirror, so the epochs agree to float32 rounding, not bit for bit.
	if d := math.Abs(emu.TrainMSE-cpu.TrainMSE) / cpu.TrainMSE; d > cudatest.TolEpoch || emu.Targets != cpu.Targets {
		t.Errorf("emulated kernels: train MSE %v over %d targets; CPU: %v over %d (relative difference %.3g > %.3g)",
			emu.TrainMSE, emu.Targets, cpu.TrainMSE, cpu.Targets, d, cudatest.TolEpoch)
	}
	t.Logf("emulated %+v\nCPU      %+v", emu, cpu)
}

// TestEmulatedKernelsBenchmarkShapes repeats the scan checks at the benchmark shapes
// (batch 128), the largest the GPU check compares; skipped with -short.
func TestEmulatedKernelsBenchmarkShapes(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	dev, err := cuemu.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	big := cudatest.Big
	cudatest.CheckS5(t, dev, big.S5[len(big.S5)-1:])
	cudatest.CheckMamba(t, dev, big.Mamba[len(big.Mamba)-1:])
}
