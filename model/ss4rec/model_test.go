package ss4rec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/recpipe/recpipe/model/kernels"
)

func tinyConfig() Net {
	c := *DefaultNet()
	c.Dim, c.S5States, c.Expand, c.MambaN, c.Blocks, c.MaxSeqLen, c.Dropout = 4, 3, 2, 2, 2, 6, 0
	return c
}

// tinyBatch is two right-padded windows over 5 real items.
func tinyBatch(r *rand.Rand, T int) *batch {
	b := &batch{}
	ws := []window{
		{items: []int32{1, 3, 2, 5, 4}, rates: []uint8{8, 4, 10, 6, 7}, tau: []float32{0, 1.5, 0.2, 3, 0.7},
			tPos: []int32{0, 2, 4, 4}, tItem: []int32{3, 5, 1, 2}, tRates: []uint8{8, 6, 10, 5}},
		{items: []int32{2, 4, 6}, rates: []uint8{1, 9, 5}, tau: []float32{2, 0, 9},
			tPos: []int32{1, 2}, tItem: []int32{6, 3}, tRates: []uint8{2, 9}},
	}
	makeBatch(ws, T, b)
	// padding content is arbitrary: the model must not read it
	for i := range b.items {
		if i%T >= []int{5, 3}[i/T] {
			b.items[i], b.rates[i], b.tau[i] = int32(r.IntN(7)), uint8(r.IntN(11)), r.Float32()*10
		}
	}
	return b
}

func tinyNet(cfg Net) *net {
	n := newNet(cfg, 6)
	n.init(5)
	n.mu = 3.5
	r := rand.New(rand.NewPCG(3, 3))
	for _, p := range n.params { // move off the symmetric initialisation
		for i := range p.Value {
			p.Value[i] += float32(r.NormFloat64() * 0.1)
		}
		if p.Sparse { // padding and unknown rows stay zero
			c := p.Cols()
			clear(p.Value[:c])
			clear(p.Value[len(p.Value)-c:])
		}
	}
	return n
}

func TestWholeModelGradient(t *testing.T) {
	variants := []struct {
		name string
		mod  func(*Net)
	}{
		{"full", func(*Net) {}},
		{"s5_only", func(c *Net) { c.S5Only = true }},
		{"log1p_hours_input_held", func(c *Net) { c.Gap, c.InputPerTime = GapLogHours, false }},
		{"mamba_only", func(c *Net) { c.MambaOnly = true }},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			cfg := tinyConfig()
			v.mod(&cfg)
			n := tinyNet(cfg)
			b := tinyBatch(rand.New(rand.NewPCG(1, 2)), cfg.MaxSeqLen)
			ps := newPass(n, kernels.CPU{Workers: 1})
			wts := []float32{0.7, -1.2, 0.4, 0.9, -0.5, 1.1}
			loss := func() float64 {
				var s float64
				for k, y := range ps.forward(b, false, nil) {
					s += float64(wts[k]) * float64(y)
				}
				return s
			}
			loss()
			for _, p := range n.params {
				p.ZeroGrad()
			}
			ps.backward(wts, &grads{})
			checked := 0
			for _, p := range n.params {
				step := max(1, len(p.Value)/7)
				for i := 0; i < len(p.Value); i += step {
					old := p.Value[i]
					const eps = 2e-3
					p.Value[i] = old + eps
					lp := loss()
					p.Value[i] = old - eps
					lm := loss()
					p.Value[i] = old
					fd := (lp - lm) / (2 * eps)
					got := float64(p.Grad[i])
					if math.Abs(got-fd) > 2e-2*math.Max(math.Abs(got), math.Abs(fd))+3e-3 {
						t.Errorf("%s[%d]: backward %v, finite difference %v", p.Name, i, got, fd)
					}
					checked++
				}
			}
			if checked < 50 {
				t.Fatalf("only %d entries checked", checked)
			}
		})
	}
}

// Right padding must not change a real prediction or any gradient, bit for bit.
func TestPaddingDoesNotLeak(t *testing.T) {
	cfg := tinyConfig()
	cfg.MaxSeqLen = 8
	n := tinyNet(cfg)
	run := func(seed uint64) ([]float32, [][]float32) {
		b := tinyBatch(rand.New(rand.NewPCG(seed, 7)), cfg.MaxSeqLen)
		ps := newPass(n, kernels.CPU{Workers: 1})
		pred := append([]float32(nil), ps.forward(b, false, nil)...)
		for _, p := range n.params {
			p.ZeroGrad()
		}
		ps.backward([]float32{1, 1, 1, 1, 1, 1}, &grads{})
		var gs [][]float32
		for _, p := range n.params {
			if p.Sparse {
				continue // the padding content itself is gathered from the tables
			}
			gs = append(gs, append([]float32(nil), p.Grad...))
		}
		return pred, gs
	}
	p1, g1 := run(1)
	p2, g2 := run(2)
	for i := range p1 {
		if p1[i] != p2[i] {
			t.Fatalf("prediction %d moved with padding: %v vs %v", i, p1[i], p2[i])
		}
	}
	for i := range g1 {
		for j := range g1[i] {
			if g1[i][j] != g2[i][j] {
				t.Fatalf("gradient %d[%d] moved with padding: %v vs %v", i, j, g1[i][j], g2[i][j])
			}
		}
	}
}

// The recurrent form used at inference equals the training forward pass.
func TestStepMatchesForward(t *testing.T) {
	cfg := tinyConfig()
	n := tinyNet(cfg)
	b := tinyBatch(rand.New(rand.NewPCG(1, 2)), cfg.MaxSeqLen)
	ps := newPass(n, kernels.CPU{})
	ps.forward(b, false, nil)
	H := cfg.Dim
	for w, real := range []int{5, 3} {
		st, sc := n.newState(), n.newScratch()
		for pos := range real {
			i := w*cfg.MaxSeqLen + pos
			o := n.step(st, sc, aNegOf(n), b.items[i], b.rates[i], b.tau[i])
			for j := range H {
				if d := math.Abs(float64(o[j] - ps.last[i*H+j])); d > 1e-4 {
					t.Fatalf("window %d position %d dim %d: step %v, forward %v", w, pos, j, o[j], ps.last[i*H+j])
				}
			}
		}
	}
}

func aNegOf(n *net) [][]float32 {
	out := make([][]float32, len(n.blocks))
	for l, b := range n.blocks {
		if b.aLog != nil {
			out[l] = kernels.NegExp(b.aLog.Value)
		}
	}
	return out
}
