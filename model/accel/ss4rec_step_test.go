//go:build cuemu || recpipe_cuda

package accel_test

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/recpipe/recpipe/model/kernels"
	"github.com/recpipe/recpipe/model/kernels/cuda"
	"github.com/recpipe/recpipe/model/kernels/cuda/cudatest"
	"github.com/recpipe/recpipe/model/ss4rec"
	"github.com/recpipe/recpipe/model/trainer"
)

// newSS4Rec builds an SS4Rec from configs/ss4rec.yaml with sets over synthetic data.
func newSS4Rec(t *testing.T, sets []string) (*ss4rec.Model, trainer.TrainConfig) {
	t.Helper()
	file, err := os.ReadFile("../../configs/ss4rec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := trainer.ParseConfig(file, ss4rec.Name, sets)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ss4rec.New(cfg.Net.(*ss4rec.Net), cudatest.Synthetic(30, 25, 150), 1)
	if err != nil {
		t.Fatal(err)
	}
	m.Backend = kernels.CPU{Workers: 1}
	return m, cfg.Train
}

// TestSS4RecStepGradients runs one batch through the resident step and through the
// host graph and compares the loss and every gradient (a table's through Adam's
// first moment, as the step clears the table's gradient rows).
func TestSS4RecStepGradients(t *testing.T) {
	for _, tc := range []struct {
		name string
		sets []string
	}{
		{"mamba-only", []string{"net.dropout=0"}},
		{"mamba-only-dropout", nil},
		{"full", []string{"net.mamba_only=false", "net.dropout=0"}},
		{"full-dropout", []string{"net.mamba_only=false"}},
		{"s5-only", []string{"net.mamba_only=false", "net.s5_only=true"}},
		{"time-blind", []string{"net.mamba_only=false", "net.time_blind=true"}},
		{"no-input-per-time", []string{"net.mamba_only=false", "net.s5_input_per_time=false"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sets := append([]string{"net.max_seq_len=10"}, tc.sets...)
			host, _ := newSS4Rec(t, sets)
			dev, tcfg := newSS4Rec(t, sets)
			ex := []int{0, 3, 5, 7, 9, 11, 2}
			b := trainer.Batch{Examples: ex, Seed: 12345}
			for _, p := range host.Params() {
				p.ZeroGrad()
			}
			hl, err := host.Step(context.Background(), b)
			if err != nil {
				t.Fatal(err)
			}
			a := openDevice(t)
			params := dev.Params()
			adam := trainer.NewAdam(params, 0.9, 0.999, 1e-8)
			st, err := a.Attach(dev, params, adam, tcfg)
			if err != nil || st == nil {
				t.Fatalf("Attach = %v, %v", st, err)
			}
			r, err := st.Step(context.Background(), b, 0, 0) // lr 0: the values stay
			if err != nil {
				t.Fatal(err)
			}
			if err := st.Pull(); err != nil {
				t.Fatal(err)
			}
			t.Logf("loss host %.9g (%d) device %.9g (%d)", hl.SumSq, hl.Count, r.Loss.SumSq, r.Loss.Count)
			if relDiff(hl.SumSq, r.Loss.SumSq) > 1e-5 || hl.Count != r.Loss.Count {
				t.Errorf("loss: host %v, device %v", hl, r.Loss)
			}
			worst := 0.0
			for i, p := range params {
				q := host.Params()[i]
				got, want := p.Grad, q.Grad
				if p.Sparse { // the step cleared its rows; Adam's first moment holds (1−β1)·g there
					got, want = adam.M[i], make([]float32, len(q.Grad))
					for j, g := range q.Grad {
						want[j] = (1 - float32(0.9)) * g
					}
				}
				e := cudatest.NormErr(got, want)
				worst = max(worst, e)
				if e > 1e-5 {
					t.Errorf("gradient of %s: device differs by %.3g of its scale", p.Name, e)
				}
			}
			t.Logf("worst gradient difference %.3g of the tensor's scale", worst)
		})
	}
}

// TestSS4RecStepCopies holds SS4Rec's resident step to its transfer budget: per step
// one copy up (the batch: positions, targets, row plans) and one down (the step's
// scalars), whatever the batch; the dropout masks are drawn on the device.
func TestSS4RecStepCopies(t *testing.T) {
	a := openDevice(t)
	m, tc := newSS4Rec(t, []string{"net.max_seq_len=10", "net.mamba_only=false"})
	params := m.Params()
	st, err := a.Attach(m, params, trainer.NewAdam(params, 0.9, 0.999, 1e-8), tc)
	if err != nil || st == nil {
		t.Fatalf("Attach = %v, %v; want a device stepper", st, err)
	}
	a.D.ResetCopies()
	const steps = 5
	for i := range steps {
		ex := make([]int, 3+2*i)
		for k := range ex {
			ex[k] = (k*7 + i) % m.Examples()
		}
		r, err := st.Step(context.Background(), trainer.Batch{Index: i, Examples: ex, Seed: uint64(i)}, 1e-3, 5)
		if err != nil || r.NonFinite != "" || r.Loss.Count == 0 || !(r.Norm > 0) {
			t.Fatalf("step %d: %+v, %v", i, r, err)
		}
	}
	if c := a.D.Copies(); c.HtoD != steps || c.DtoH != steps {
		t.Errorf("%d steps made %d copies to the device and %d back (%d bytes); want one each per step", steps, c.HtoD, c.DtoH, c.Bytes)
	} else {
		t.Logf("%d steps: %d copies up, %d down, %d bytes in all", steps, c.HtoD, c.DtoH, c.Bytes)
	}
}

// TestDropoutMaskMatchesGoRand draws masks on the device at several offsets of the
// stream and checks them against math/rand/v2's PCG drawn in order on the host, as
// ss4rec's graph draws them (a jump-ahead error would shift every mask).
func TestDropoutMaskMatchesGoRand(t *testing.T) {
	a := openDevice(t)
	const n, masks = 1000, 3
	seed := uint64(0x9e3779b97f4a7c15) // above 2⁶³: the kernel takes its bits as a long long
	p := float32(0.3)
	keep := 1 / (1 - p)
	got := make([]float32, n*masks)
	err := a.D.Run("dropout test", func(q *cuda.Queue) error {
		buf, err := q.Alloc("test.mask", n*masks)
		if err != nil {
			return err
		}
		for m := range masks {
			if err := q.Launch("dropout_mask", n, buf.At(m*n), int64(n), int64(m*n), int64(seed), int64(ss4rec.DropoutStream), float64(p), float64(keep)); err != nil {
				return err
			}
		}
		return cuda.Get(q, got, buf.Ptr)
	})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, ss4rec.DropoutStream))
	zeros := 0
	for i, g := range got {
		want := keep
		if r.Float32() < p {
			want, zeros = 0, zeros+1
		}
		if g != want {
			t.Fatalf("mask value %d: device %v, host %v", i, g, want)
		}
	}
	t.Logf("%d values equal, %d dropped", len(got), zeros)
}

// TestSS4RecStepNonFinite poisons a weight: the device step reports a non-finite loss
// and leaves every value unchanged, as the host step stops before its update.
func TestSS4RecStepNonFinite(t *testing.T) {
	a := openDevice(t)
	m, tc := newSS4Rec(t, []string{"net.max_seq_len=10", "net.mamba_only=false"})
	params := m.Params()
	var wu *trainer.Param
	for _, p := range params {
		if p.Name == "head.w_u" {
			wu = p
		}
	}
	wu.Value[0] = float32(math.NaN())
	before := snapshot(params)
	st, err := a.Attach(m, params, trainer.NewAdam(params, 0.9, 0.999, 1e-8), tc)
	if err != nil {
		t.Fatal(err)
	}
	r, err := st.Step(context.Background(), trainer.Batch{Examples: []int{0, 1, 2, 3}, Seed: 7}, 1e-3, 5)
	if err != nil {
		t.Fatal(err)
	}
	if r.NonFinite != "loss" {
		t.Fatalf("step with a NaN weight: NonFinite %q, want loss (%+v)", r.NonFinite, r)
	}
	if err := st.Pull(); err != nil {
		t.Fatal(err)
	}
	for i, p := range params {
		for j, v := range p.Value {
			if w := before[i][j]; v != w && !(v != v && w != w) {
				t.Fatalf("%s[%d] changed from %v to %v on a skipped step", p.Name, j, w, v)
			}
		}
	}
}
