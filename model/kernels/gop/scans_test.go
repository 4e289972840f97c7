package gop_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/recpipe/recpipe/model/kernels"
	"github.com/recpipe/recpipe/model/kernels/gop"
	"github.com/recpipe/recpipe/model/kernels/kerneltest"
)

// leaf adds a named float32 input node holding data.
func leaf(g *G.ExprGraph, name string, data []float32, shape ...int) *G.Node {
	t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
	return G.NewTensor(g, tensor.Float32, len(shape), G.WithShape(shape...), G.WithName(name), G.WithValue(t))
}

// gradCheck runs cost = Σ w·op(...) in a gorgonia graph, backpropagates through the
// custom Ops, and compares every gradient with finite differences of ref in float64.
func gradCheck(t *testing.T, g *G.ExprGraph, y *G.Node, w []float32, wrt G.Nodes, ref func([][]float64) []float64) {
	t.Helper()
	wn := leaf(g, "w", w, y.Shape()...)
	prod, err := G.HadamardProd(y, wn)
	if err != nil {
		t.Fatal(err)
	}
	cost, err := G.Sum(prod)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := G.Grad(cost, wrt...); err != nil {
		t.Fatal(err)
	}
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	in := make([][]float64, len(wrt))
	for i, n := range wrt {
		in[i] = kerneltest.To64(n.Value().Data().([]float32))
	}
	w64 := kerneltest.To64(w)
	loss := func() float64 { return kerneltest.Dot(ref(in), w64) }
	for i, n := range wrt {
		gv, err := n.Grad()
		if err != nil {
			t.Fatalf("%s: %v", n.Name(), err)
		}
		got := gv.Data().([]float32)
		for j := range got {
			fd := kerneltest.FDGrad(in[i], j, loss)
			if e := kerneltest.RelErr(float64(got[j]), fd); e > 2e-3 {
				t.Errorf("d%s[%d] = %v, finite difference %v", n.Name(), j, got[j], fd)
			}
		}
	}
}

func TestS5OpGradient(t *testing.T) {
	d := kernels.S5Dims{B: 2, T: 4, H: 3, P: 2}
	r := rand.New(rand.NewPCG(11, 1))
	rs := func(n int, lo, hi float32) []float32 { return kerneltest.RandSlice(r, n, lo, hi) }
	g := G.NewGraph()
	u := leaf(g, "u", rs(d.B*d.T*d.H, -1, 1), d.B, d.T, d.H)
	tauData := rs(d.B*d.T, 0, 2)
	tauData[1] = 0
	tau := leaf(g, "tau", tauData, d.B, d.T)
	params := G.Nodes{
		leaf(g, "logA", rs(d.P, -1, 0.5), d.P), leaf(g, "imA", rs(d.P, -2, 2), d.P), leaf(g, "logStep", rs(d.P, -1, 0.5), d.P),
		leaf(g, "bRe", rs(d.P*d.H, -.5, .5), d.P, d.H), leaf(g, "bIm", rs(d.P*d.H, -.5, .5), d.P, d.H),
		leaf(g, "cRe", rs(d.H*d.P, -.5, .5), d.H, d.P), leaf(g, "cIm", rs(d.H*d.P, -.5, .5), d.H, d.P),
		leaf(g, "D", rs(d.H, -.5, .5), d.H),
	}
	y, err := gop.S5(kernels.CPU{}, u, tau, params[0], params[1], params[2], params[3], params[4], params[5], params[6], params[7])
	if err != nil {
		t.Fatal(err)
	}
	tau64 := kerneltest.To64(tauData)
	gradCheck(t, g, y, rs(d.B*d.T*d.H, -1, 1), append(G.Nodes{u}, params...), func(in [][]float64) []float64 {
		return kerneltest.RefS5(d, in[1:], in[0], tau64)
	})
}

func TestSelectiveScanOpGradient(t *testing.T) {
	d := kernels.MambaDims{B: 2, T: 4, E: 3, N: 2}
	r := rand.New(rand.NewPCG(12, 1))
	rs := func(n int, lo, hi float32) []float32 { return kerneltest.RandSlice(r, n, lo, hi) }
	g := G.NewGraph()
	bt := d.B * d.T
	nodes := G.Nodes{
		leaf(g, "x", rs(bt*d.E, -1, 1), d.B, d.T, d.E), leaf(g, "dtRaw", rs(bt*d.E, -2, 1), d.B, d.T, d.E),
		leaf(g, "B", rs(bt*d.N, -1, 1), d.B, d.T, d.N), leaf(g, "C", rs(bt*d.N, -1, 1), d.B, d.T, d.N),
		leaf(g, "aLog", rs(d.E*d.N, -1, 1), d.E, d.N), leaf(g, "D", rs(d.E, -1, 1), d.E),
	}
	y, err := gop.SelectiveScan(kernels.CPU{}, nodes[0], nodes[1], nodes[2], nodes[3], nodes[4], nodes[5])
	if err != nil {
		t.Fatal(err)
	}
	gradCheck(t, g, y, rs(bt*d.E, -1, 1), nodes, func(in [][]float64) []float64 {
		return kerneltest.RefMamba(d, in[0], in[1], in[2], in[3], in[4], in[5])
	})
}

func TestS5OpRejectsBadShapes(t *testing.T) {
	g := G.NewGraph()
	mk := func(name string, shape ...int) *G.Node {
		return leaf(g, name, make([]float32, tensor.Shape(shape).TotalSize()), shape...)
	}
	_, err := gop.S5(kernels.CPU{}, mk("u", 1, 2, 3), mk("tau", 1, 2), mk("logA", 4), mk("imA", 4), mk("ls", 4),
		mk("bRe", 4, 3), mk("bIm", 4, 3), mk("cRe", 3, 4), mk("cIm", 3, 4), mk("D", 2))
	if err == nil || !strings.Contains(err.Error(), "(D)") {
		t.Fatalf("want a shape error naming D, got %v", err)
	}
}
