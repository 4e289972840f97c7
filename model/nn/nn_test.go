package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/recpipe/recpipe/model/trainer"
)

// weighted builds L = Σ out ⊙ W for a fixed random W, so that ∂L/∂out = W.
func weighted(t *testing.T, g *G.ExprGraph, out *G.Node, rng *rand.Rand) *G.Node {
	t.Helper()
	s := out.Shape()
	w := make([]float32, s.TotalSize())
	for j := range w {
		w[j] = float32(rng.NormFloat64())
	}
	wn := G.NewMatrix(g, tensor.Float32, G.WithName("w"), G.WithShape(s...), G.WithValue(tensor.New(tensor.WithShape(s...), tensor.WithBacking(w))))
	return G.Must(G.Sum(G.Must(G.HadamardProd(out, wn))))
}

func run(t *testing.T, vm G.VM, loss *G.Node) float64 {
	t.Helper()
	defer vm.Reset()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	return float64(loss.Value().Data().(float32))
}

// fdCheck compares analytic gradients of the values in vals against central differences.
func fdCheck(t *testing.T, name string, vals, grad []float32, loss func() float64) {
	t.Helper()
	const eps = 1e-2
	for j := range vals {
		old := vals[j]
		vals[j] = old + eps
		lp := loss()
		vals[j] = old - eps
		lm := loss()
		vals[j] = old
		num := (lp - lm) / (2 * eps)
		if math.Abs(float64(grad[j])-num) > 1e-3+1e-3*math.Abs(num) {
			t.Errorf("%s[%d]: backward %.6f, finite difference %.6f", name, j, grad[j], num)
		}
	}
}

func TestGatherBackwardMatchesFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	p := trainer.NewParam("table", true, 5, 3)
	for j := range p.Value {
		p.Value[j] = float32(rng.NormFloat64())
	}
	g := G.NewGraph()
	gt, err := NewGather(g, p, 4)
	if err != nil {
		t.Fatal(err)
	}
	copy(gt.Idx, []int32{3, 0, 3, 4}) // row 3 twice: its gradient accumulates; rows 1, 2 untouched
	loss := weighted(t, g, gt.Out, rng)
	grads, err := G.Grad(loss, gt.Slot)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	if err := gt.Backward(grads[0].Value()); err != nil {
		t.Fatal(err)
	}
	vm.Reset()
	if got := p.Touched(); len(got) != 3 || got[0] != 3 || got[1] != 0 || got[2] != 4 {
		t.Errorf("touched rows %v, want [3 0 4]", got)
	}
	fdCheck(t, "table", p.Value, p.Grad, func() float64 { return run(t, vm, loss) })
	p.ZeroGrad()
	for j, v := range p.Grad {
		if v != 0 {
			t.Fatalf("ZeroGrad left grad[%d] = %v", j, v)
		}
	}
}

func TestGatherRejectsOutOfRangeIndex(t *testing.T) {
	p := trainer.NewParam("table", true, 2, 2)
	g := G.NewGraph()
	gt, err := NewGather(g, p, 1)
	if err != nil {
		t.Fatal(err)
	}
	gt.Idx[0] = 2
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err == nil {
		t.Error("gather of row 2 of a 2-row table: want an error")
	}
}

func TestBiasReLUBackwardMatchesFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, 6*4)
	b := make([]float32, 4)
	for j := range x {
		x[j] = float32(rng.NormFloat64())
	}
	for j := range b {
		b[j] = float32(rng.NormFloat64() * 0.3)
	}
	g := G.NewGraph()
	xn := G.NewMatrix(g, tensor.Float32, G.WithName("x"), G.WithShape(6, 4), G.WithValue(tensor.New(tensor.WithShape(6, 4), tensor.WithBacking(x))))
	bn := G.NewMatrix(g, tensor.Float32, G.WithName("b"), G.WithShape(1, 4), G.WithValue(tensor.New(tensor.WithShape(1, 4), tensor.WithBacking(b))))
	out, err := BiasReLU(xn, bn)
	if err != nil {
		t.Fatal(err)
	}
	loss := weighted(t, g, out, rng)
	grads, err := G.Grad(loss, xn, bn)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	// Forward against the definition.
	o := out.Value().Data().([]float32)
	for j, v := range x {
		if want := max(v+b[j%4], 0); o[j] != want {
			t.Fatalf("out[%d] = %v, want relu(%v+%v) = %v", j, o[j], v, b[j%4], want)
		}
	}
	gx := append([]float32(nil), grads[0].Value().Data().([]float32)...)
	gb := append([]float32(nil), grads[1].Value().Data().([]float32)...)
	vm.Reset()
	fdCheck(t, "x", x, gx, func() float64 { return run(t, vm, loss) })
	fdCheck(t, "b", b, gb, func() float64 { return run(t, vm, loss) })
}
