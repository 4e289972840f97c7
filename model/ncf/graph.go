package ncf

import (
	"context"
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/recpipe/recpipe/model/nn"
	"github.com/recpipe/recpipe/model/trainer"
)

// graph is the training graph of one batch size: built once, fed in place.
type graph struct {
	g       *G.ExprGraph
	vm      G.VM
	gathers []*nn.Gather // user_bias, item_bias, user_gmf, item_gmf, user_mlp, item_mlp
	y       []float32    // targets, backing the target node
	loss    *G.Node
	dense   []*trainer.Param
	grads   G.Nodes // gradients of the gather outputs, then of the dense params
}

func param(g *G.ExprGraph, p *trainer.Param) *G.Node {
	return G.NewTensor(g, tensor.Float32, len(p.Shape), G.WithName(p.Name), G.WithShape(p.Shape...),
		G.WithValue(tensor.New(tensor.WithShape(p.Shape...), tensor.WithBacking(p.Value))))
}

// buildGraph wires NeuMF for batch size b. Gorgonia differentiates it; the gathers'
// gradients come back row-sparse and the first tower layer is split by side, so the
// graph has no Concat and no dense embedding gradient.
func (m *NCF) buildGraph(b int) (gr *graph, err error) {
	defer func() {
		if r := recover(); r != nil { // G.Must panics on a wiring error
			err = fmt.Errorf("ncf: build graph for batch %d: %v", b, r)
		}
	}()
	g := G.NewGraph()
	gr = &graph{g: g, y: make([]float32, b)}
	for _, p := range []*trainer.Param{m.ub, m.ib, m.ug, m.ig, m.um, m.im} {
		gt, err := nn.NewGather(g, p, b)
		if err != nil {
			return nil, err
		}
		gr.gathers = append(gr.gathers, gt)
	}
	bu, bi, pu, qi, mu, mi := gr.gathers[0].Out, gr.gathers[1].Out, gr.gathers[2].Out, gr.gathers[3].Out, gr.gathers[4].Out, gr.gathers[5].Out
	nodes := map[*trainer.Param]*G.Node{}
	for _, p := range m.params {
		if !p.Sparse {
			nodes[p] = param(g, p)
			gr.dense = append(gr.dense, p)
		}
	}
	target := G.NewVector(g, tensor.Float32, G.WithName("target"), G.WithShape(b),
		G.WithValue(tensor.New(tensor.WithShape(b), tensor.WithBacking(gr.y))))

	gmf := G.Must(G.HadamardProd(pu, qi))
	h := G.Must(G.Add(G.Must(matMul(mu, nodes[m.w1u])), G.Must(matMul(mi, nodes[m.w1i]))))
	h = G.Must(nn.BiasReLU(h, nodes[m.layers[0]]))
	for l := 1; l < len(m.net.Tower); l++ {
		h = G.Must(nn.BiasReLU(G.Must(matMul(h, nodes[m.layers[2*l-1]])), nodes[m.layers[2*l]]))
	}
	// The output weights are vectors, so these are matrix-vector products (gemv), not
	// gemm with a one-column operand.
	out := G.Must(G.Add(G.Must(G.Mul(gmf, nodes[m.hg])), G.Must(G.Mul(h, nodes[m.hm]))))
	out = G.Must(G.Add(out, G.Must(G.Add(bu, bi))))
	out = G.Must(G.BroadcastAdd(out, nodes[m.bias], nil, []byte{0}))
	diff := G.Must(G.Sub(out, target))
	gr.loss = G.Must(G.Mean(G.Must(G.Square(diff))))

	wrt := G.Nodes{}
	for _, gt := range gr.gathers {
		wrt = append(wrt, gt.Slot)
	}
	for _, p := range gr.dense {
		wrt = append(wrt, nodes[p])
	}
	if gr.grads, err = G.Grad(gr.loss, wrt...); err != nil {
		return nil, fmt.Errorf("ncf: differentiate: %w", err)
	}
	gr.vm = G.NewTapeMachine(g)
	return gr, nil
}

// Step runs forward and backward on a batch of training rows.
func (m *NCF) Step(ctx context.Context, b trainer.Batch) (trainer.Loss, error) {
	n := len(b.Examples)
	gr, ok := m.graphs[n]
	if !ok {
		var err error
		if gr, err = m.buildGraph(n); err != nil {
			return trainer.Loss{}, err
		}
		m.graphs[n] = gr
	}
	for k, e := range b.Examples {
		u, i := m.tu[e], m.ti[e]
		gr.gathers[0].Idx[k], gr.gathers[2].Idx[k], gr.gathers[4].Idx[k] = u, u, u
		gr.gathers[1].Idx[k], gr.gathers[3].Idx[k], gr.gathers[5].Idx[k] = i, i, i
		gr.y[k] = m.train[e].Rating
	}
	defer gr.vm.Reset()
	if err := gr.vm.RunAll(); err != nil {
		return trainer.Loss{}, fmt.Errorf("ncf: run graph: %w", err)
	}
	mse := gr.loss.Value().Data().(float32)
	for k, gt := range gr.gathers {
		if err := gt.Backward(gr.grads[k].Value()); err != nil {
			return trainer.Loss{}, err
		}
	}
	for k, p := range gr.dense {
		g, ok := gr.grads[len(gr.gathers)+k].Value().Data().([]float32)
		if !ok || len(g) != len(p.Grad) {
			return trainer.Loss{}, fmt.Errorf("ncf: gradient of %s has %d values, want %d", p.Name, len(g), len(p.Grad))
		}
		for j, v := range g {
			p.Grad[j] += v
		}
	}
	return trainer.Loss{SumSq: float64(mse) * float64(n), Count: n}, nil
}
