package cudatest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/recpipe/recpipe/model/kernels"
	"github.com/recpipe/recpipe/model/kernels/cuda"
	"github.com/recpipe/recpipe/model/kernels/kerneltest"
)

// TolScan is the tolerance of the scans, relative to each tensor's scale (NormErr).
// The kernels mirror the CPU's operation order (the CPU emulation is bit-identical),
// so on a GPU differences come only from CUDA's float64 exp, sincos and expm1 in the
// S5 coefficients and the float64 partial sums of the S5 step gradients.
const TolScan = 1e-4

// TolEpoch and TolEpochParams are the tolerances of a training epoch on the device
// against the same epoch on the CPU: TolEpoch for the relative difference of the
// losses, validation RMSE and gradient norm, TolEpochParams for every parameter
// afterwards, relative to the tensor's scale (NormErr). The kernels follow the scalar
// Go code's operation order; the CPU's vectorised kernels (AVX2 and FMA tiles) and, on
// a GPU, cuBLAS and CUDA's math library round differently, and Adam, which divides by
// the root of the second moment, turns a rounding difference of a near-zero gradient
// into a step of up to the learning rate. Measured under the emulation (SS4Rec, one
// epoch of 15 batches): losses within 1e-8, parameters within 6e-5.
const (
	TolEpoch       = 1e-5
	TolEpochParams = 5e-4
)

// Shapes are the sizes the checks run at: a tiny one, the training shape of
// configs/ss4rec.yaml, and (Big) the shape of the kernels' benchmarks.
type Shapes struct {
	S5    []kernels.S5Dims
	Mamba []kernels.MambaDims
}

// Small are quick shapes (the CPU emulation); Big adds the benchmark shape.
var (
	Small = Shapes{
		S5:    []kernels.S5Dims{{B: 3, T: 7, H: 5, P: 4}, {B: 32, T: 50, H: 32, P: 16}},
		Mamba: []kernels.MambaDims{{B: 3, T: 6, E: 5, N: 4}, {B: 32, T: 50, E: 64, N: 8}},
	}
	Big = Shapes{
		S5:    append(slices.Clone(Small.S5), kernels.S5Dims{B: 128, T: 50, H: 64, P: 32}),
		Mamba: append(slices.Clone(Small.Mamba), kernels.MambaDims{B: 128, T: 50, E: 128, N: 16}),
	}
)

// CheckAll runs every equivalence check of dev against the CPU kernels.
func CheckAll(t *testing.T, dev *cuda.Device, sh Shapes) {
	t.Run("S5", func(t *testing.T) { CheckS5(t, dev, sh.S5) })
	t.Run("Mamba", func(t *testing.T) { CheckMamba(t, dev, sh.Mamba) })
	t.Run("Backend", func(t *testing.T) { CheckBackend(t, dev) })
	t.Run("Rows", func(t *testing.T) { CheckRows(t, dev) })
	t.Run("Adam", func(t *testing.T) { CheckAdam(t, dev) })
	t.Run("Shapes", func(t *testing.T) { CheckShapes(t, dev) })
}

// CheckShapes checks that slices too short for their dimensions are refused with
// cuda.ErrShape before anything is launched.
func CheckShapes(t *testing.T, dev *cuda.Device) {
	d := kernels.S5Dims{B: 2, T: 3, H: 4, P: 2}
	p, u, tau, _ := S5Case(1, d)
	md := kernels.MambaDims{B: 2, T: 3, E: 4, N: 2}
	in, _ := MambaCase(1, md)
	tests := []struct {
		name string
		err  error
	}{
		{"S5 short y", dev.S5Forward(d, p, u, tau, make([]float32, len(u)-1), make([]float32, kernels.S5CacheLen(d)))},
		{"S5 short tau", dev.S5Forward(d, p, u, tau[1:], make([]float32, len(u)), make([]float32, kernels.S5CacheLen(d)))},
		{"Mamba short hs", dev.MambaForward(md, in, make([]float32, 24), make([]float32, kernels.MambaCacheLen(md)-1))},
		{"Adam short m", dev.AdamDense(make([]float32, 4), make([]float32, 4), make([]float32, 3), make([]float32, 4), cuda.AdamStep{})},
		{"gather short out", dev.Gather(make([]float32, 3), make([]float32, 8), []int32{0, 1}, 2)},
	}
	for _, tc := range tests {
		if !errors.Is(tc.err, cuda.ErrShape) {
			t.Errorf("%s: error %v, want ErrShape", tc.name, tc.err)
		}
	}
}

// CheckS5 compares forward (y, cached states) and backward (du and every parameter
// gradient, accumulated into non-zero values) with kernels.CPU{Workers: 1}.
func CheckS5(t *testing.T, dev *cuda.Device, dims []kernels.S5Dims) {
	for _, d := range dims {
		t.Run(fmt.Sprint(d), func(t *testing.T) {
			p, u, tau, dy := S5Case(1, d)
			cpu := kernels.CPU{Workers: 1}
			yc, yg := make([]float32, len(u)), make([]float32, len(u))
			xc, xg := make([]float32, kernels.S5CacheLen(d)), make([]float32, kernels.S5CacheLen(d))
			cpu.S5Forward(d, p, u, tau, yc, xc)
			if err := dev.S5Forward(d, p, u, tau, yg, xg); err != nil {
				t.Fatal(err)
			}
			Agree(t, "S5 y", yg, yc, TolScan)
			Agree(t, "S5 states", xg, xc, TolScan)

			r := rand.New(rand.NewPCG(2, 2))
			duc := kerneltest.RandSlice(r, len(u), -1, 1)
			dug := slices.Clone(duc)
			gc, gg := kernels.NewS5Params(d.H, d.P), kernels.NewS5Params(d.H, d.P)
			for i, s := range gc.Slices() {
				copy(s, kerneltest.RandSlice(r, len(s), -1, 1))
				copy(gg.Slices()[i], s)
			}
			cpu.S5Backward(d, p, u, tau, xc, dy, duc, gc)
			if err := dev.S5Backward(d, p, u, tau, xc, dy, dug, gg); err != nil {
				t.Fatal(err)
			}
			Agree(t, "S5 du", dug, duc, TolScan)
			for i, name := range []string{"logA", "imA", "logStep", "bRe", "bIm", "cRe", "cIm", "D"} {
				Agree(t, "S5 d"+name, gg.Slices()[i], gc.Slices()[i], TolScan)
			}
		})
	}
}

// CheckMamba compares the selective scan forward and backward with the CPU.
func CheckMamba(t *testing.T, dev *cuda.Device, dims []kernels.MambaDims) {
	for _, d := range dims {
		t.Run(fmt.Sprint(d), func(t *testing.T) {
			in, dy := MambaCase(1, d)
			cpu := kernels.CPU{Workers: 1}
			n := d.B * d.T * d.E
			yc, yg := make([]float32, n), make([]float32, n)
			hc, hg := make([]float32, kernels.MambaCacheLen(d)), make([]float32, kernels.MambaCacheLen(d))
			cpu.MambaForward(d, in, yc, hc)
			if err := dev.MambaForward(d, in, yg, hg); err != nil {
				t.Fatal(err)
			}
			Agree(t, "Mamba y", yg, yc, TolScan)
			Agree(t, "Mamba states", hg, hc, TolScan)

			r := rand.New(rand.NewPCG(4, 4))
			gc, gg := kernels.NewMambaIn(d), kernels.NewMambaIn(d)
			cs := [][]float32{gc.X, gc.DtRaw, gc.Bm, gc.Cm, gc.ALog, gc.D}
			gs := [][]float32{gg.X, gg.DtRaw, gg.Bm, gg.Cm, gg.ALog, gg.D}
			for i := range cs {
				copy(cs[i], kerneltest.RandSlice(r, len(cs[i]), -1, 1))
				copy(gs[i], cs[i])
			}
			cpu.MambaBackward(d, in, hc, dy, gc)
			if err := dev.MambaBackward(d, in, hc, dy, gg); err != nil {
				t.Fatal(err)
			}
			for i, name := range []string{"x", "dtRaw", "Bm", "Cm", "aLog", "D"} {
				Agree(t, "Mamba d"+name, gs[i], cs[i], TolScan)
			}
		})
	}
}

// CheckBackend drives the device through the kernels.Backend interface, as the model
// does, against the CPU backend with its default (parallel) workers.
func CheckBackend(t *testing.T, dev *cuda.Device) {
	var be kernels.Backend = cuda.Backend{D: dev}
	d := kernels.S5Dims{B: 8, T: 20, H: 16, P: 8}
	p, u, tau, dy := S5Case(5, d)
	yc, yg := make([]float32, len(u)), make([]float32, len(u))
	xc, xg := make([]float32, kernels.S5CacheLen(d)), make([]float32, kernels.S5CacheLen(d))
	kernels.CPU{}.S5Forward(d, p, u, tau, yc, xc)
	be.S5Forward(d, p, u, tau, yg, xg)
	Agree(t, "Backend S5 y", yg, yc, TolScan)
	duc, dug := make([]float32, len(u)), make([]float32, len(u))
	gc, gg := kernels.NewS5Params(d.H, d.P), kernels.NewS5Params(d.H, d.P)
	kernels.CPU{}.S5Backward(d, p, u, tau, xc, dy, duc, gc)
	be.S5Backward(d, p, u, tau, xg, dy, dug, gg)
	Agree(t, "Backend S5 du", dug, duc, TolScan)
	Agree(t, "Backend S5 dBRe", gg.BRe, gc.BRe, TolScan)

	md := kernels.MambaDims{B: 4, T: 10, E: 6, N: 3}
	in, mdy := MambaCase(6, md)
	ymc, ymg := make([]float32, md.B*md.T*md.E), make([]float32, md.B*md.T*md.E)
	hc, hg := make([]float32, kernels.MambaCacheLen(md)), make([]float32, kernels.MambaCacheLen(md))
	kernels.CPU{}.MambaForward(md, in, ymc, hc)
	be.MambaForward(md, in, ymg, hg)
	Agree(t, "Backend Mamba y", ymg, ymc, TolScan)
	mc, mg := kernels.NewMambaIn(md), kernels.NewMambaIn(md)
	kernels.CPU{}.MambaBackward(md, in, hc, mdy, mc)
	be.MambaBackward(md, in, hg, mdy, mg)
	Agree(t, "Backend Mamba dx", mg.X, mc.X, TolScan)
	Agree(t, "Backend Mamba daLog", mg.ALog, mc.ALog, TolScan)
}

// CheckRows compares the gather and the row-sparse scatter-add with the arithmetic
// of nn.Gather and trainer.Param.AddRows (bit-identical expected), and checks that an
// index past the table is refused.
func CheckRows(t *testing.T, dev *cuda.Device) {
	const rows, cols = 1000, 32
	r := rand.New(rand.NewPCG(6, 6))
	table := kerneltest.RandSlice(r, rows*cols, -1, 1)
	idx := make([]int32, 4096)
	for i := range idx {
		idx[i] = int32(r.IntN(rows / 4)) // many repeats
	}
	out := make([]float32, len(idx)*cols)
	if err := dev.Gather(out, table, idx, cols); err != nil {
		t.Fatal(err)
	}
	want := make([]float32, len(out))
	for k, row := range idx {
		copy(want[k*cols:(k+1)*cols], table[int(row)*cols:int(row+1)*cols])
	}
	Agree(t, "gather", out, want, 0)

	g := kerneltest.RandSlice(r, len(out), -1, 1)
	gradG := kerneltest.RandSlice(r, rows*cols, -1, 1)
	gradC := slices.Clone(gradG)
	for k, row := range idx {
		for j := range cols {
			gradC[int(row)*cols+j] += g[k*cols+j]
		}
	}
	if err := dev.ScatterAddRows(gradG, idx, g, cols); err != nil {
		t.Fatal(err)
	}
	Agree(t, "scatter-add", gradG, gradC, 0)

	if err := dev.Gather(make([]float32, 2*cols), table, []int32{3, rows}, cols); err == nil {
		t.Error("gather of an index past the table: no error")
	}
}

// CheckAdam compares the dense and the lazy (row) Adam kernels with cuda.AdamSpan,
// which the untagged tests hold bit-identical to trainer.Adam.
func CheckAdam(t *testing.T, dev *cuda.Device) {
	r := rand.New(rand.NewPCG(8, 8))
	const rows, cols = 500, 16
	n := rows * cols
	w, g := kerneltest.RandSlice(r, n, -1, 1), kerneltest.RandSlice(r, n, -1, 1)
	m, v := kerneltest.RandSlice(r, n, -0.1, 0.1), kerneltest.RandSlice(r, n, 0, 0.01)
	s := cuda.NewAdamStep(0.9, 0.999, 1e-8, 2e-3, 0.8, 1e-4, 7)

	wc, mc, vc := slices.Clone(w), slices.Clone(m), slices.Clone(v)
	cuda.AdamSpan(wc, g, mc, vc, s)
	wg, mg, vg := slices.Clone(w), slices.Clone(m), slices.Clone(v)
	if err := dev.AdamDense(wg, g, mg, vg, s); err != nil {
		t.Fatal(err)
	}
	Agree(t, "adam dense w", wg, wc, 1e-6)
	Agree(t, "adam dense m", mg, mc, 1e-6)
	Agree(t, "adam dense v", vg, vc, 1e-6)

	touched := []int32{7, 3, 499, 0, 250}
	wc, mc, vc = slices.Clone(w), slices.Clone(m), slices.Clone(v)
	for _, row := range touched {
		lo, hi := int(row)*cols, int(row+1)*cols
		cuda.AdamSpan(wc[lo:hi], g[lo:hi], mc[lo:hi], vc[lo:hi], s)
	}
	wg, mg, vg = slices.Clone(w), slices.Clone(m), slices.Clone(v)
	if err := dev.AdamRows(wg, g, mg, vg, touched, cols, s); err != nil {
		t.Fatal(err)
	}
	Agree(t, "adam rows w", wg, wc, 1e-6)
	Agree(t, "adam rows m", mg, mc, 1e-6)
	Agree(t, "adam rows v", vg, vc, 1e-6)
}
