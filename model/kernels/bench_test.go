package kernels_test

import (
	"math/rand/v2"
	"testing"

	"github.com/recpipe/recpipe/model/kernels"
	"github.com/recpipe/recpipe/model/kernels/kerneltest"
)

// Sizes of one SS4Rec training batch (batch 128, window 50, d 64, S5 states 32,
// Mamba channels 128 with 16 states).
var (
	benchS5    = kernels.S5Dims{B: 128, T: 50, H: 64, P: 32}
	benchMamba = kernels.MambaDims{B: 128, T: 50, E: 128, N: 16}
)

// BenchmarkS5 reports forward+backward positions/s. FLOPs per position:
// B·u and C·x are 2·P·H complex-by-real MACs each way (8·P·H flops forward,
// 12·P·H backward incl. weight gradients) ≈ 20·P·H.
func BenchmarkS5(b *testing.B) {
	d := benchS5
	p, u, tau := newS5Case(1, d)
	y := make([]float32, len(u))
	xs := make([]float32, kernels.S5CacheLen(d))
	du := make([]float32, len(u))
	g := kernels.NewS5Params(d.H, d.P)
	r := rand.New(rand.NewPCG(1, 1))
	dy := kerneltest.RandSlice(r, len(u), -1, 1)
	be := kernels.CPU{}
	b.ResetTimer()
	for b.Loop() {
		be.S5Forward(d, p, u, tau, y, xs)
		be.S5Backward(d, p, u, tau, xs, dy, du, g)
	}
	pos := float64(d.B * d.T * b.N)
	b.ReportMetric(pos/b.Elapsed().Seconds(), "positions/s")
	b.ReportMetric(pos*20*float64(d.P*d.H)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkMamba reports forward+backward positions/s of the selective scan.
func BenchmarkMamba(b *testing.B) {
	d := benchMamba
	in := newMambaCase(1, d)
	y := make([]float32, d.B*d.T*d.E)
	hs := make([]float32, kernels.MambaCacheLen(d))
	g := kernels.NewMambaIn(d)
	r := rand.New(rand.NewPCG(1, 1))
	dy := kerneltest.RandSlice(r, len(y), -1, 1)
	be := kernels.CPU{}
	b.ResetTimer()
	for b.Loop() {
		be.MambaForward(d, in, y, hs)
		be.MambaBackward(d, in, hs, dy, g)
	}
	b.ReportMetric(float64(d.B*d.T*b.N)/b.Elapsed().Seconds(), "positions/s")
}
