//go:build recpipe_cuda

package cuda_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/kernels"
	"github.com/recpipe/recpipe/model/kernels/cuda"
	"github.com/recpipe/recpipe/model/kernels/cuda/cudatest"
	"github.com/recpipe/recpipe/model/kernels/kerneltest"
)

// envInt reads a positive integer from the environment, or def.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkScans times forward+backward of each scan on the CPU and the GPU through
// the seam (host slices in and out, as the model calls it), at the training shape of
// configs/ss4rec.yaml and at a batch large enough to fill the GPU
// (RECPIPE_FILL_BATCH windows, default 4096; GPU only, the CPU would take minutes).
func BenchmarkScans(b *testing.B) {
	fill := envInt("RECPIPE_FILL_BATCH", 4096)
	gpu := cuda.Backend{D: dev}
	shapes := []struct {
		name   string
		s5     kernels.S5Dims
		mamba  kernels.MambaDims
		useCPU bool
	}{
		{"train", kernels.S5Dims{B: 32, T: 50, H: 32, P: 16}, kernels.MambaDims{B: 32, T: 50, E: 64, N: 8}, true},
		{"fill", kernels.S5Dims{B: fill, T: 50, H: 32, P: 16}, kernels.MambaDims{B: fill, T: 50, E: 64, N: 8}, false},
	}
	for _, sh := range shapes {
		bes := []struct {
			name string
			be   kernels.Backend
		}{{"gpu", gpu}}
		if sh.useCPU {
			bes = append([]struct {
				name string
				be   kernels.Backend
			}{{"cpu", kernels.CPU{}}}, bes...)
		}
		for _, be := range bes {
			b.Run(fmt.Sprintf("S5/%s/%s", sh.name, be.name), func(b *testing.B) {
				d := sh.s5
				p, u, tau, dy := cudatest.S5Case(1, d)
				y, xs, du := make([]float32, len(u)), make([]float32, kernels.S5CacheLen(d)), make([]float32, len(u))
				g := kernels.NewS5Params(d.H, d.P)
				for b.Loop() {
					be.be.S5Forward(d, p, u, tau, y, xs)
					be.be.S5Backward(d, p, u, tau, xs, dy, du, g)
				}
				b.ReportMetric(float64(d.B*d.T*b.N)/b.Elapsed().Seconds(), "positions/s")
			})
			b.Run(fmt.Sprintf("Mamba/%s/%s", sh.name, be.name), func(b *testing.B) {
				d := sh.mamba
				in, dy := cudatest.MambaCase(1, d)
				y, hs := make([]float32, d.B*d.T*d.E), make([]float32, kernels.MambaCacheLen(d))
				g := kernels.NewMambaIn(d)
				for b.Loop() {
					be.be.MambaForward(d, in, y, hs)
					be.be.MambaBackward(d, in, hs, dy, g)
				}
				b.ReportMetric(float64(d.B*d.T*b.N)/b.Elapsed().Seconds(), "positions/s")
			})
		}
	}
}

// BenchmarkGemm compares cuBLAS (host slices in and out) with the gonum Sgemm of the
// ss4rec layers at the size of one projection of a filled batch.
func BenchmarkGemm(b *testing.B) {
	m, k, n := envInt("RECPIPE_FILL_BATCH", 4096)*50, 32, 128
	r := rand.New(rand.NewPCG(1, 1))
	a, bm, c := kerneltest.RandSlice(r, m*k, -1, 1), kerneltest.RandSlice(r, k*n, -1, 1), make([]float32, m*n)
	for b.Loop() {
		if err := dev.Gemm(c, a, bm, m, k, n, false, false, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(2*float64(m*k*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkEpoch times one SS4Rec training epoch (every window once, forward,
// backward and the Adam update; no validation) with the scans on the CPU and on the
// GPU, on the same data: ml-latest-small with configs/ss4rec.yaml, and a synthetic set
// (RECPIPE_SYNTH_USERS × RECPIPE_SYNTH_LEN ratings, default 10000 × 100) at batch
// RECPIPE_SYNTH_BATCH windows (default 1024) to fill the GPU. Only the scans run on
// the GPU: the rest of the model (projections, layer norms, gathers, Adam) stays on
// the CPU until the model calls the Device's Gemm, Gather and Adam (docs/gpu.md).
// Run with -benchtime 1x.
func BenchmarkEpoch(b *testing.B) {
	file, err := os.ReadFile("../../../configs/ss4rec.yaml")
	if err != nil {
		b.Fatal(err)
	}
	small, what, err := cudatest.SmallTrain(os.Getenv("RECPIPE_PREPARED"))
	if err != nil {
		b.Fatal(err)
	}
	sets := []struct {
		name  string
		rows  []ratings.Rating
		batch int
	}{
		{"ml-latest-small(" + what + ")", small, 0},
		{"synthetic", cudatest.Synthetic(envInt("RECPIPE_SYNTH_USERS", 10000), envInt("RECPIPE_SYNTH_LEN", 100), 20000), envInt("RECPIPE_SYNTH_BATCH", 1024)},
	}
	for _, set := range sets {
		for _, be := range []struct {
			name string
			be   kernels.Backend
		}{{"cpu", kernels.CPU{}}, {"gpu", cuda.Backend{D: dev}}} {
			b.Run(set.name+"/"+be.name, func(b *testing.B) {
				over := []string{"net.mamba_only=false"} // both scans, whatever the committed net
				if set.batch > 0 {
					over = append(over, "train.batch_size="+strconv.Itoa(set.batch))
				}
				var secs float64
				var targets int
				for b.Loop() {
					r, err := cudatest.Epoch(context.Background(), file, over, set.rows, be.be)
					if err != nil {
						b.Fatal(err)
					}
					secs += r.Seconds
					targets += r.Targets
					b.Logf("%s %s: %d rows, %d windows, batch %d: epoch %.2fs, train MSE %.4f",
						set.name, be.name, r.Rows, r.Windows, r.Batch, r.Seconds, r.TrainMSE)
				}
				b.ReportMetric(secs/float64(b.N), "s/epoch")
				b.ReportMetric(float64(targets)/secs, "targets/s")
			})
		}
	}
}
