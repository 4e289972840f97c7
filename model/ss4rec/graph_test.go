package ss4rec

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/kernels"
	"github.com/recpipe/recpipe/model/trainer"
)

// close32 reports whether a and b agree to float32 rounding accumulated over a pass.
func close32(a, b float64) bool {
	return math.Abs(a-b) <= 2e-4*math.Max(math.Abs(a), math.Abs(b))+2e-6
}

// plainStep is referenceStep on one worker: the hand-written forward and backward
// with dropout drawn from seed, the gradient of the mean squared error left in the
// params; it returns the sum of squared errors.
func plainStep(n *net, b *batch, seed uint64) float64 {
	return referenceLoss(n, kernels.CPU{Workers: 1}, b, seed).SumSq
}

func graphStepOf(t *testing.T, n *net, b *batch, K int, seed uint64) float64 {
	t.Helper()
	gr, err := buildGraph(n, kernels.CPU{Workers: 1}, b.nb, b.T, K, true)
	if err != nil {
		t.Fatal(err)
	}
	gr.feed(b, n.cfg.Dropout, rand.NewPCG(seed, 0xd0))
	pred, err := gr.run(len(b.tRow))
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for k, y := range pred {
		d := float64(y) - float64(b.tRating[k])
		sum += d * d
	}
	if err := gr.scatter(n, b); err != nil {
		t.Fatal(err)
	}
	return sum
}

type snapshot struct {
	grads   [][]float32
	touched [][]int32
}

func snap(n *net) snapshot {
	var s snapshot
	for _, p := range n.params {
		s.grads = append(s.grads, append([]float32(nil), p.Grad...))
		s.touched = append(s.touched, append([]int32(nil), p.Touched()...))
		p.ZeroGrad()
	}
	return s
}

func compareSnapshots(t *testing.T, n *net, plain, graph snapshot) {
	t.Helper()
	nonzero := 0
	for i, p := range n.params {
		if len(plain.touched[i]) != len(graph.touched[i]) {
			t.Errorf("%s: touched rows %v (plain) vs %v (graph)", p.Name, plain.touched[i], graph.touched[i])
		}
		for j := range plain.touched[i] {
			if j < len(graph.touched[i]) && plain.touched[i][j] != graph.touched[i][j] {
				t.Errorf("%s: touched rows %v (plain) vs %v (graph)", p.Name, plain.touched[i], graph.touched[i])
				break
			}
		}
		bad := 0
		for j, a := range plain.grads[i] {
			b := graph.grads[i][j]
			if a != 0 {
				nonzero++
			}
			if !close32(float64(a), float64(b)) && bad < 3 {
				t.Errorf("%s[%d]: gradient %v (plain) vs %v (graph)", p.Name, j, a, b)
				bad++
			}
		}
	}
	if nonzero < 50 {
		t.Fatalf("only %d nonzero gradient entries: the comparison proves little", nonzero)
	}
}

// The graph's loss and every parameter gradient equal the plain pass's, with dropout
// on (the masks come from the same seed), in the full model and the ablations.
func TestGraphMatchesPlain(t *testing.T) {
	variants := []struct {
		name string
		mod  func(*Net)
	}{
		{"full", func(*Net) {}},
		{"s5_only", func(c *Net) { c.S5Only = true }},
		{"mamba_only", func(c *Net) { c.MambaOnly = true }},
		{"time_blind", func(c *Net) { c.TimeBlind = true }},
		{"no_dropout", func(c *Net) { c.Dropout = 0 }},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			cfg := tinyConfig()
			cfg.Dropout = 0.25
			v.mod(&cfg)
			n := tinyNet(cfg)
			b := tinyBatch(rand.New(rand.NewPCG(1, 2)), cfg.MaxSeqLen)
			if cfg.TimeBlind {
				for i := range b.tau {
					b.tau[i] = cfg.gap(0)
				}
			}
			before := make([][]float32, len(n.params))
			for i, p := range n.params {
				before[i] = append([]float32(nil), p.Value...)
				p.ZeroGrad()
			}
			const seed = 42
			lp := plainStep(n, b, seed)
			sp := snap(n)
			lg := graphStepOf(t, n, b, b.nb*b.T, seed)
			sg := snap(n)
			if !close32(lp, lg) {
				t.Errorf("loss: plain %v, graph %v", lp, lg)
			}
			compareSnapshots(t, n, sp, sg)
			for i, p := range n.params {
				for j, v := range p.Value {
					if v != before[i][j] {
						t.Fatalf("%s[%d] changed by a step: %v → %v", p.Name, j, before[i][j], v)
					}
				}
			}
		})
	}
}

// A graph with exactly as many target slots as targets, run twice, gives the same
// loss and gradients as one with room to spare (unused slots weigh nothing).
func TestGraphTargetSlots(t *testing.T) {
	cfg := tinyConfig()
	cfg.Dropout = 0.1
	n := tinyNet(cfg)
	b := tinyBatch(rand.New(rand.NewPCG(1, 2)), cfg.MaxSeqLen)
	for _, p := range n.params {
		p.ZeroGrad()
	}
	l1 := graphStepOf(t, n, b, len(b.tRow), 7)
	s1 := snap(n)
	l2 := graphStepOf(t, n, b, 3*len(b.tRow), 7)
	s2 := snap(n)
	if !close32(l1, l2) {
		t.Errorf("loss %v with %d slots, %v with %d", l1, len(b.tRow), l2, 3*len(b.tRow))
	}
	compareSnapshots(t, n, s1, s2)
}

// toyTrain is a few users' time-ordered ratings.
func toyTrain() []ratings.Rating {
	r := rand.New(rand.NewPCG(4, 4))
	var rows []ratings.Rating
	for u := int32(1); u <= 6; u++ {
		ts := int64(1_000_000_000)
		for range 10 + r.IntN(20) {
			ts += int64(r.IntN(3)) * int64(1+r.IntN(100000))
			rows = append(rows, ratings.Rating{User: u, Item: 1 + int32(r.IntN(15)), Rating: float32(1+r.IntN(10)) / 2, Time: ts})
		}
	}
	return rows
}

// Model.Step (the graph) gives the loss and gradients of the reference pass, and
// reuses its graph across batches of the same shape.
func TestStepEngines(t *testing.T) {
	for _, blind := range []bool{false, true} {
		cfg := tinyConfig()
		cfg.Dropout, cfg.TimeBlind, cfg.MaxSeqLen = 0.2, blind, 8
		train := toyTrain()
		run := func(reference bool) ([]trainer.Loss, []snapshot, *Model) {
			c := cfg
			m, err := New(&c, train, 3)
			if err != nil {
				t.Fatal(err)
			}
			var ls []trainer.Loss
			var ss []snapshot
			for bi, ex := range [][]int{{0, 1, 2}, {3, 4, 5}, {1, 4}} {
				b := trainer.Batch{Examples: ex, Seed: uint64(10 + bi)}
				var l trainer.Loss
				if reference {
					l = m.referenceStep(b)
				} else if l, err = m.Step(context.Background(), b); err != nil {
					t.Fatal(err)
				}
				ls = append(ls, l)
				ss = append(ss, snap(m.net))
			}
			return ls, ss, m
		}
		lp, sp, mp := run(true)
		lg, sg, mg := run(false)
		if mp.Examples() < 6 {
			t.Fatalf("only %d windows", mp.Examples())
		}
		for i := range lp {
			if lp[i].Count != lg[i].Count || !close32(lp[i].SumSq, lg[i].SumSq) {
				t.Errorf("time_blind=%v batch %d: loss %+v (plain) vs %+v (graph)", blind, i, lp[i], lg[i])
			}
			compareSnapshots(t, mp.net, sp[i], sg[i])
		}
		if len(mg.graphs) != 2 {
			t.Errorf("%d graphs built for batch sizes 3, 3, 2; want 2", len(mg.graphs))
		}
	}
}

// fdCheckOp builds loss = Σ W ⊙ op(leaves), differentiates it with gorgonia and
// compares each leaf's gradient with central differences of the same graph.
func fdCheckOp(t *testing.T, leaves [][]float32, shapes []tensor.Shape, op func(in G.Nodes) (*G.Node, error)) {
	t.Helper()
	r := rand.New(rand.NewPCG(9, 9))
	g := G.NewGraph()
	in := make(G.Nodes, len(leaves))
	for i, d := range leaves {
		in[i] = inputNode(g, "leaf"+string(rune('a'+i)), d, shapes[i]...)
	}
	out, err := op(in)
	if err != nil {
		t.Fatal(err)
	}
	w := make([]float32, out.Shape().TotalSize())
	for i := range w {
		w[i] = float32(r.NormFloat64())
	}
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(out, inputNode(g, "w", w, out.Shape()...)))))
	gs, err := G.Grad(loss, in...)
	if err != nil {
		t.Fatal(err)
	}
	got := make([][]float32, len(gs))
	for i, gn := range gs {
		got[i] = make([]float32, len(leaves[i]))
		G.Must(sink(in[i].Name(), gn, got[i]))
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	eval := func() float64 {
		defer vm.Reset()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		return float64(loss.Value().Data().(float32))
	}
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i] = append([]float32(nil), got[i]...) // the sinks write again on every run
	}
	vm.Reset()
	for i, d := range leaves {
		for j := range d {
			const eps = 1e-2
			old := d[j]
			d[j] = old + eps
			lp := eval()
			d[j] = old - eps
			lm := eval()
			d[j] = old
			fd := (lp - lm) / (2 * eps)
			if math.Abs(float64(got[i][j])-fd) > 2e-3+2e-3*math.Abs(fd) {
				t.Errorf("input %d [%d]: backward %v, finite difference %v", i, j, got[i][j], fd)
			}
		}
	}
}

func randSlice(r *rand.Rand, n int, scale float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64() * scale)
	}
	return s
}

func TestCustomOpsMatchFiniteDifferences(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const nb, T, H, E, K = 2, 5, 4, 3, 4
	rows := nb * T
	t.Run("layer_norm", func(t *testing.T) {
		fdCheckOp(t, [][]float32{randSlice(r, rows*H, 1), randSlice(r, H, 1), randSlice(r, H, 1)},
			[]tensor.Shape{{rows, H}, {H}, {H}}, func(in G.Nodes) (*G.Node, error) { return layerNormOp(in[0], in[1], in[2]) })
	})
	t.Run("causal_conv", func(t *testing.T) {
		fdCheckOp(t, [][]float32{randSlice(r, rows*E, 1), randSlice(r, E*K, 0.5), randSlice(r, E, 0.5)},
			[]tensor.Shape{{rows, E}, {E, K}, {E}}, func(in G.Nodes) (*G.Node, error) { return convOp(in[0], in[1], in[2], nb, T) })
	})
	t.Run("silu", func(t *testing.T) {
		fdCheckOp(t, [][]float32{randSlice(r, rows*E, 2)}, []tensor.Shape{{rows, E}}, func(in G.Nodes) (*G.Node, error) { return siluOp(in[0]) })
	})
	t.Run("bias_add", func(t *testing.T) {
		fdCheckOp(t, [][]float32{randSlice(r, rows*E, 1), randSlice(r, E, 1)}, []tensor.Shape{{rows, E}, {E}},
			func(in G.Nodes) (*G.Node, error) { return biasAdd(in[0], in[1]) })
	})
	t.Run("residual", func(t *testing.T) {
		fdCheckOp(t, [][]float32{randSlice(r, rows*H, 1), randSlice(r, rows*H, 1)}, []tensor.Shape{{rows, H}, {rows, H}},
			func(in G.Nodes) (*G.Node, error) { return residual(in[0], in[1]) })
	})
	t.Run("row_gather", func(t *testing.T) {
		idx := []int32{3, 0, 3, 9, 1} // row 3 twice: its gradient accumulates
		fdCheckOp(t, [][]float32{randSlice(r, rows*H, 1)}, []tensor.Shape{{rows, H}},
			func(in G.Nodes) (*G.Node, error) { return rowGather("t", in[0], &idx, len(idx)) })
	})
	t.Run("slot_gather", func(t *testing.T) {
		// d loss / d slot is the gradient of the gathered rows: scattered back over the
		// index it equals the finite difference with regard to the table.
		items, rates := []int32{2, 0, 2, 1}, []int32{1, 1, 0, 2}
		tabA, tabB := randSlice(r, 3*H, 1), randSlice(r, 3*H, 1)
		g := G.NewGraph()
		a, b := inputNode(g, "a", tabA, 3, H), inputNode(g, "b", tabB, 3, H)
		slot := inputNode(g, "slot", make([]float32, len(items)*H), len(items), H)
		out, err := slotGather("t", G.Nodes{a, b}, []func(int) int32{func(k int) int32 { return items[k] }, func(k int) int32 { return rates[k] }}, slot)
		if err != nil {
			t.Fatal(err)
		}
		w := randSlice(r, len(items)*H, 1)
		loss := G.Must(G.Sum(G.Must(G.HadamardProd(out, inputNode(g, "w", w, len(items), H)))))
		gs, err := G.Grad(loss, slot)
		if err != nil {
			t.Fatal(err)
		}
		vm := G.NewTapeMachine(g)
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		ds := gs[0].Value().Data().([]float32)
		o := out.Value().Data().([]float32)
		for k := range items {
			for j := range H {
				want := tabA[int(items[k])*H+j] + tabB[int(rates[k])*H+j]
				if o[k*H+j] != want {
					t.Fatalf("out[%d,%d] = %v, want %v", k, j, o[k*H+j], want)
				}
				// the loss is linear in the slot: its gradient is the weight itself
				if ds[k*H+j] != w[k*H+j] {
					t.Fatalf("dslot[%d,%d] = %v, want %v", k, j, ds[k*H+j], w[k*H+j])
				}
			}
		}
	})
}

func TestSlotGatherRejectsOutOfRange(t *testing.T) {
	g := G.NewGraph()
	idx := []int32{3}
	tab := inputNode(g, "tab", make([]float32, 6), 3, 2)
	slot := inputNode(g, "slot", make([]float32, 2), 1, 2)
	if _, err := slotGather("t", G.Nodes{tab}, []func(int) int32{func(k int) int32 { return idx[k] }}, slot); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err == nil {
		t.Fatal("gather of row 3 of a 3-row table: want an error")
	}
}

func TestEngineValidation(t *testing.T) {
	for _, tc := range []struct {
		engine  string
		ok      bool
		decodes bool
	}{{"", true, true}, {EngineGraph, true, true}, {"plain", false, true}, {"gpu", false, false}, {"Graph", false, false}} {
		cfg := tinyConfig()
		cfg.Engine = tc.engine
		err := cfg.Validate()
		if tc.ok != (err == nil) {
			t.Errorf("engine %q: Validate() = %v, want ok=%v", tc.engine, err, tc.ok)
		}
		if derr := cfg.validateDecoded(); tc.decodes != (derr == nil) {
			t.Errorf("engine %q: validateDecoded() = %v, want ok=%v", tc.engine, derr, tc.decodes)
		}
		if err != nil && !errors.Is(err, trainer.ErrConfig) {
			t.Errorf("engine %q: error %v is not trainer.ErrConfig", tc.engine, err)
		}
	}
}
