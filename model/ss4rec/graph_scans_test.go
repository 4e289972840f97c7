package ss4rec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/recpipe/recpipe/model/kernels"
)

// scanGrads differentiates Σ w ⊙ op(leaves) in a graph and returns each leaf's
// gradient (nil where not differentiated), read through sinks.
func scanGrads(t *testing.T, leaves [][]float32, shapes []tensor.Shape, diff []bool, w []float32,
	op func(in G.Nodes) (*G.Node, error)) [][]float32 {
	t.Helper()
	g := G.NewGraph()
	in := make(G.Nodes, len(leaves))
	for i, d := range leaves {
		in[i] = inputNode(g, "leaf"+string(rune('a'+i)), d, shapes[i]...)
	}
	y, err := op(in)
	if err != nil {
		t.Fatal(err)
	}
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(y, inputNode(g, "w", w, y.Shape()...)))))
	var wrt G.Nodes
	for i, n := range in {
		if diff[i] {
			wrt = append(wrt, n)
		}
	}
	gs, err := G.Grad(loss, wrt...)
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]float32, len(leaves))
	k := 0
	for i := range in {
		if diff[i] {
			out[i] = make([]float32, len(leaves[i]))
			G.Must(sink(in[i].Name(), gs[k], out[i]))
			k++
		}
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	return out
}

func relDiff(a, b []float32) float64 {
	var d, n float64
	for j, v := range a {
		d += math.Pow(float64(v-b[j]), 2)
		n += float64(v) * float64(v)
	}
	return math.Sqrt(d) / max(math.Sqrt(n), 1e-12)
}

// At the model's sizes, where the packed gradient is thousands of values long (and
// gorgonia's own slices would collide, see graph_scans.go), every gradient of the scan
// Ops equals the kernels' backward called directly.
func TestScanOpsMatchKernelsAtModelSize(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	be := kernels.CPU{Workers: 1}
	t.Run("s5", func(t *testing.T) {
		d := kernels.S5Dims{B: 2, T: 50, H: 32, P: 16}
		u := randSlice(r, d.B*d.T*d.H, 1)
		tau := make([]float32, d.B*d.T)
		for i := range tau {
			tau[i] = 1 + 3*r.Float32()
		}
		p := kernels.NewS5Params(d.H, d.P)
		for _, s := range p.Slices() {
			copy(s, randSlice(r, len(s), 0.3))
		}
		w := randSlice(r, len(u), 1)
		leaves := append([][]float32{u, tau}, p.Slices()...)
		shapes := []tensor.Shape{{d.B, d.T, d.H}, {d.B, d.T}, {d.P}, {d.P}, {d.P}, {d.P, d.H}, {d.P, d.H}, {d.H, d.P}, {d.H, d.P}, {d.H}}
		diff := []bool{true, false, true, true, true, true, true, true, true, true}
		got := scanGrads(t, leaves, shapes, diff, w, func(in G.Nodes) (*G.Node, error) { return s5Scan("t", be, in[0], in[1], in[2:], nil) })
		xs := make([]float32, kernels.S5CacheLen(d))
		be.S5Forward(d, p, u, tau, make([]float32, len(u)), xs)
		du, gp := make([]float32, len(u)), kernels.NewS5Params(d.H, d.P)
		be.S5Backward(d, p, u, tau, xs, w, du, gp)
		want := append([][]float32{du, nil}, gp.Slices()...)
		for i := range want {
			if diff[i] && relDiff(want[i], got[i]) > 1e-6 {
				t.Errorf("input %d: relative difference %.3g from the kernel", i, relDiff(want[i], got[i]))
			}
		}
	})
	t.Run("selective_scan", func(t *testing.T) {
		d := kernels.MambaDims{B: 2, T: 50, E: 64, N: 8}
		bt := d.B * d.T
		in := kernels.MambaIn{X: randSlice(r, bt*d.E, 1), DtRaw: randSlice(r, bt*d.E, 1), Bm: randSlice(r, bt*d.N, 1),
			Cm: randSlice(r, bt*d.N, 1), ALog: randSlice(r, d.E*d.N, 0.5), D: randSlice(r, d.E, 1)}
		w := randSlice(r, bt*d.E, 1)
		leaves := [][]float32{in.X, in.DtRaw, in.Bm, in.Cm, in.ALog, in.D}
		shapes := []tensor.Shape{{d.B, d.T, d.E}, {d.B, d.T, d.E}, {d.B, d.T, d.N}, {d.B, d.T, d.N}, {d.E, d.N}, {d.E}}
		diff := []bool{true, true, true, true, true, true}
		got := scanGrads(t, leaves, shapes, diff, w, func(n G.Nodes) (*G.Node, error) {
			return selectiveScan("t", be, d.T, n[0], n[1], n[2], n[3], n[4], n[5])
		})
		hs := make([]float32, kernels.MambaCacheLen(d))
		be.MambaForward(d, in, make([]float32, bt*d.E), hs)
		g := kernels.NewMambaIn(d)
		be.MambaBackward(d, in, hs, w, g)
		for i, want := range [][]float32{g.X, g.DtRaw, g.Bm, g.Cm, g.ALog, g.D} {
			if relDiff(want, got[i]) > 1e-6 {
				t.Errorf("input %d: relative difference %.3g from the kernel", i, relDiff(want, got[i]))
			}
		}
	})
}

func TestScanOpsMatchFiniteDifferences(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	be := kernels.CPU{Workers: 1}
	// The S5 op with its input as it is, and divided by τ (Net.InputPerTime).
	for _, perTime := range []bool{false, true} {
		t.Run(fmt.Sprintf("s5_input_per_time=%v", perTime), func(t *testing.T) {
			const B, T, H, P = 1, 4, 3, 2
			tau := []float32{0, 1.5, 1, 2.5}
			p := kernels.NewS5Params(H, P)
			for _, s := range p.Slices() {
				copy(s, randSlice(r, len(s), 0.5))
			}
			leaves := append([][]float32{randSlice(r, B*T*H, 1)}, p.Slices()...)
			shapes := []tensor.Shape{{B, T, H}, {P}, {P}, {P}, {P, H}, {P, H}, {H, P}, {H, P}, {H}}
			scale := Net{InputPerTime: perTime}.s5InScale()
			fdCheckOp(t, leaves, shapes, func(in G.Nodes) (*G.Node, error) {
				tn := inputNode(in[0].Graph(), "tau", tau, B, T)
				return s5Scan("t", be, in[0], tn, in[1:], scale)
			})
		})
	}
	t.Run("selective_scan", func(t *testing.T) {
		const B, T, E, N = 1, 4, 3, 2
		leaves := [][]float32{randSlice(r, B*T*E, 1), randSlice(r, B*T*E, 1), randSlice(r, B*T*N, 1),
			randSlice(r, B*T*N, 1), randSlice(r, E*N, 0.5), randSlice(r, E, 1)}
		shapes := []tensor.Shape{{B, T, E}, {B, T, E}, {B, T, N}, {B, T, N}, {E, N}, {E}}
		fdCheckOp(t, leaves, shapes, func(in G.Nodes) (*G.Node, error) {
			return selectiveScan("t", be, T, in[0], in[1], in[2], in[3], in[4], in[5])
		})
	})
}
