package ss4rec_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/kernels"
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/ss4rec"
	"github.com/recpipe/recpipe/model/trainer"
)

// cpuSeconds is the process's user+system CPU time: on a shared machine it measures
// the work where wall time measures the neighbours too.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func prepared(b *testing.B, name string) []ratings.Rating {
	dir := os.Getenv("SS4REC_PREPARED")
	if dir == "" {
		b.Skip("SS4REC_PREPARED not set (a prepared dataset folder)")
	}
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rows, err := ratings.ReadAll(f, name)
	if err != nil {
		b.Fatal(err)
	}
	return rows
}

// flopsPerPosition is the matmul-equivalent work of one sequence position, forward
// and backward (backward ≈ 2× forward), for net n:
//
//	S5, per block:     B·u and C·x, complex-by-real: 8·P·H
//	Mamba, per block:  in-proj 4·H·E, x-proj 2·E·(R+2N), dt-proj 2·R·E, out-proj 2·E·H,
//	                   scan 6·E·N, conv 2·K·E
func flopsPerPosition(n ss4rec.Net) float64 {
	H, P, E, N := float64(n.Dim), float64(n.S5States), float64(n.Expand*n.Dim), float64(n.MambaN)
	R := float64((n.Dim + 15) / 16)
	var f float64
	if !n.MambaOnly {
		f += 8 * P * H
	}
	if !n.S5Only {
		f += 4*H*E + 2*E*(R+2*N) + 2*R*E + 2*E*H + 6*E*N + 2*4*E
	}
	return 3 * f * float64(n.Blocks)
}

// BenchmarkMatmulRate measures the machine's float32 matrix-multiply rate at the
// model's largest shape: a batch of 32 windows × 50 positions (1600 rows) times a
// 32×64 projection. "gonum" is gonum's Sgemm (the BLAS gorgonia uses by default, the
// rate issue 20's ratio is defined against); "model" is kernels.Gemm, the product the
// training graph runs (AVX2+FMA tiles on both cores where the CPU has them). A
// training rate is honest against the faster of the two.
func BenchmarkMatmulRate(b *testing.B) {
	m, k, n := 1600, 32, 64
	r := rand.New(rand.NewPCG(1, 1))
	a, w, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
	for i := range a {
		a[i] = r.Float32()
	}
	for i := range w {
		w[i] = r.Float32()
	}
	var impl gonum.Implementation
	for _, v := range []struct {
		name string
		mul  func()
	}{
		{"gonum", func() { impl.Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, w, n, 0, c, n) }},
		{"model", func() { kernels.Gemm(c, a, w, m, k, n, false, false, 0) }},
	} {
		b.Run(v.name, func(b *testing.B) {
			cpu0 := cpuSeconds()
			for b.Loop() {
				v.mul()
			}
			flops := 2 * float64(m*k*n) * float64(b.N)
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			b.ReportMetric(flops/(cpuSeconds()-cpu0)/1e9, "GFLOP/cpu-s")
		})
	}
}

// BenchmarkTrainStep reports SS4Rec training throughput on ml-latest-small windows
// (default net, batch 32): sequence positions per second (padded positions count,
// as they are computed) and GFLOP/s from flopsPerPosition, per second of wall time
// and per CPU-second of the process (user+system, both cores): on a shared machine
// the ratio of GFLOP/cpu-s to BenchmarkMatmulRate's GFLOP/cpu-s in the same run is
// the one the neighbours' load does not move.
func BenchmarkTrainStep(b *testing.B) {
	train := prepared(b, "train.csv")
	net := ss4rec.DefaultNet()
	m, err := ss4rec.New(net, train, 1)
	if err != nil {
		b.Fatal(err)
	}
	const bs = 32
	rng := rand.New(rand.NewPCG(1, 2))
	ctx := context.Background()
	steps := 0
	cpu0 := cpuSeconds()
	b.ResetTimer()
	for b.Loop() {
		ex := make([]int, bs)
		for i := range ex {
			ex[i] = rng.IntN(m.Examples())
		}
		for _, p := range m.Params() {
			p.ZeroGrad()
		}
		if _, err := m.Step(ctx, trainer.Batch{Examples: ex, Seed: uint64(steps)}); err != nil {
			b.Fatal(err)
		}
		steps++
	}
	pos := float64(steps * bs * net.MaxSeqLen)
	cpu := cpuSeconds() - cpu0
	b.ReportMetric(pos/b.Elapsed().Seconds(), "positions/s")
	b.ReportMetric(pos*flopsPerPosition(*net)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	b.ReportMetric(pos/cpu, "positions/cpu-s")
	b.ReportMetric(pos*flopsPerPosition(*net)/cpu/1e9, "GFLOP/cpu-s")
}

// BenchmarkPredictTest scores every test row with train+val+test history (the
// ab-eval workload) with an untrained model of the default size (cost does not
// depend on the weights) and reports rows/s.
func BenchmarkPredictTest(b *testing.B) {
	train, val, test := prepared(b, "train.csv"), prepared(b, "val.csv"), prepared(b, "test.csv")
	m, err := ss4rec.New(ss4rec.DefaultNet(), train, 1)
	if err != nil {
		b.Fatal(err)
	}
	hist := scoring.NewHistory(train, val, test)
	start, cpu0 := time.Now(), cpuSeconds()
	for b.Loop() {
		if _, err := m.Predict(context.Background(), hist, test); err != nil {
			b.Fatal(err)
		}
	}
	rows := float64(len(test) * b.N)
	b.ReportMetric(rows/time.Since(start).Seconds(), "rows/s")
	b.ReportMetric(rows/(cpuSeconds()-cpu0), "rows/cpu-s")
}

// BenchmarkPredictDays is the ab-eval workload: the test rows released day by day
// (the 20 slices of docs/design.md §Data protocol over the time-sorted test split, as etl.DayBounds cuts
// them; model/ does not import etl), each day scored with the history
// train+val+test, so a user's windows serve only that day's rows. Reports rows/s.
func BenchmarkPredictDays(b *testing.B) {
	train, val, test := prepared(b, "train.csv"), prepared(b, "val.csv"), prepared(b, "test.csv")
	m, err := ss4rec.New(ss4rec.DefaultNet(), train, 1)
	if err != nil {
		b.Fatal(err)
	}
	hist := scoring.NewHistory(train, val, test)
	start, cpu0 := time.Now(), cpuSeconds()
	for b.Loop() {
		const days = 20
		for d := 1; d <= days; d++ {
			lo, hi := (d-1)*len(test)/days, d*len(test)/days
			if _, err := m.Predict(context.Background(), hist, test[lo:hi]); err != nil {
				b.Fatal(err)
			}
		}
	}
	rows := float64(len(test) * b.N)
	b.ReportMetric(rows/time.Since(start).Seconds(), "rows/s")
	b.ReportMetric(rows/(cpuSeconds()-cpu0), "rows/cpu-s")
}
