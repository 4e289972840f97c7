package ss4rec

import (
	"fmt"
	"math/rand/v2"
	"strings"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/recpipe/recpipe/model/kernels"
	"github.com/recpipe/recpipe/model/trainer"
)

// graph is the training graph of one batch shape: nb windows of T positions and room
// for K targets. It is built once and fed in place: the index slices, gaps, dropout
// masks, targets and weights below back its input nodes, and the dense parameter
// nodes share their Param's Value. Gorgonia differentiates it; the gradients of the
// three embedding slots come back row-sparse and go into the tables through AddRows.
type graph struct {
	nb, T, K int
	g        *G.ExprGraph
	vm       G.VM

	items []int32     // [nb·T] item rows (0 = padding)
	rates []int32     // [nb·T] rating·2
	tau   []float32   // [nb·T]
	masks [][]float32 // dropout masks [nb·T·H], in the order the reference pass draws them (reference_forward_test.go)
	tRow  []int32     // [K] the row whose state predicts each target (0 past nT)
	tItem []int32     // [K] target item rows (0 past nT)
	y     []float32   // [K] target ratings
	w     []float32   // [K] loss weights: 1/nT for a real target, 0 past nT

	pred  G.Value     // the predictions, read out of the graph
	slots [][]float32 // gradients of the input, target-embedding and target-bias slots
	dense []*param
	grads [][]float32 // gradients of the dense params, in dense order (written by sinks)
}

func paramNode(g *G.ExprGraph, p *param) *G.Node {
	return G.NewTensor(g, tensor.Float32, len(p.Shape), G.WithName(p.Name), G.WithShape(p.Shape...),
		G.WithValue(tensor.New(tensor.WithShape(p.Shape...), tensor.WithBacking(p.Value))))
}

func inputNode(g *G.ExprGraph, name string, data []float32, s ...int) *G.Node {
	return G.NewTensor(g, tensor.Float32, len(s), G.WithName(name), G.WithShape(s...),
		G.WithValue(tensor.New(tensor.WithShape(s...), tensor.WithBacking(data))))
}

// buildGraph wires the training forward pass of n for nb windows of T positions and K
// target slots, with dropout masks as inputs when train is set, and differentiates
// the masked mean squared error.
func buildGraph(n *net, be kernels.Backend, nb, T, K int, train bool) (gr *graph, err error) {
	defer func() {
		if r := recover(); r != nil { // G.Must panics on a wiring error
			gr, err = nil, fmt.Errorf("ss4rec: build graph for %d windows × %d: %v", nb, T, r)
		}
	}()
	cfg := n.cfg
	H := cfg.Dim
	rows := nb * T
	g := G.NewGraph()
	gr = &graph{nb: nb, T: T, K: K, g: g,
		items: make([]int32, rows), rates: make([]int32, rows), tau: make([]float32, rows),
		tRow: make([]int32, K), tItem: make([]int32, K), y: make([]float32, K), w: make([]float32, K)}
	nodes := map[*param]*G.Node{}
	for _, p := range n.params {
		if !p.Sparse && p != n.rateEmb {
			nodes[p] = paramNode(g, p)
			gr.dense = append(gr.dense, p)
		}
	}
	item := paramNode(g, n.itemEmb)
	ibias := paramNode(g, n.itemBias)
	rate := paramNode(g, n.rateEmb)
	slotX := inputNode(g, "slot.input", make([]float32, rows*H), rows, H)
	slotE := inputNode(g, "slot.target_emb", make([]float32, K*H), K, H)
	slotB := inputNode(g, "slot.target_bias", make([]float32, K), K)
	tau := inputNode(g, "tau", gr.tau, nb, T)
	dropout := train && cfg.Dropout > 0
	mask := func(name string) *G.Node {
		m := make([]float32, rows*H)
		gr.masks = append(gr.masks, m)
		return inputNode(g, name, m, rows, H)
	}

	x := G.Must(slotGather("input", G.Nodes{item, rate},
		[]func(int) int32{func(k int) int32 { return gr.items[k] }, func(k int) int32 { return gr.rates[k] }}, slotX))
	for l := range n.blocks {
		blk := &n.blocks[l]
		pre := fmt.Sprintf("block%d.", l)
		h := x
		if !cfg.MambaOnly {
			ps := make(G.Nodes, 0, 8)
			for _, p := range n.params { // the eight S5 params of this block, in Params order
				if strings.HasPrefix(p.Name, pre+"s5.") {
					ps = append(ps, nodes[p])
				}
			}
			if len(ps) != 8 {
				return nil, fmt.Errorf("ss4rec: block %d has %d S5 params, want 8", l, len(ps))
			}
			y := G.Must(s5Scan(pre+"s5", be, x, tau, ps, n.cfg.s5InScale()))
			if dropout {
				y = G.Must(hadamard(y, mask(pre+"dropout1"), false))
			}
			h = G.Must(layerNormOp(G.Must(residual(x, y)), nodes[blk.ln1g], nodes[blk.ln1b]))
		}
		out := h
		if !cfg.S5Only {
			xi := G.Must(matMul(h, nodes[blk.winX]))
			z := G.Must(matMul(h, nodes[blk.winZ]))
			xs := G.Must(siluOp(G.Must(convOp(xi, nodes[blk.convW], nodes[blk.convB], nb, T))))
			dtl := G.Must(matMul(xs, nodes[blk.wxdt]))
			bm := G.Must(matMul(xs, nodes[blk.wxb]))
			cm := G.Must(matMul(xs, nodes[blk.wxc]))
			dtr := G.Must(biasAdd(G.Must(matMul(dtl, nodes[blk.wdt])), nodes[blk.bdt]))
			ysc := G.Must(selectiveScan(pre+"mamba", be, T, xs, dtr, bm, cm, nodes[blk.aLog], nodes[blk.dm]))
			gt := G.Must(hadamard(ysc, G.Must(siluOp(z)), true))
			m := G.Must(matMul(gt, nodes[blk.wout]))
			if dropout {
				m = G.Must(hadamard(m, mask(pre+"dropout2"), false))
			}
			out = G.Must(layerNormOp(G.Must(residual(h, m)), nodes[blk.ln2g], nodes[blk.ln2b]))
		}
		x = out
	}

	// head: μ + b_j + ⟨W_u·o + c, e_j⟩ + ⟨w_b, o⟩ for every target slot
	o := G.Must(rowGather("targets", x, &gr.tRow, K))
	u := G.Must(biasAdd(G.Must(matMul(o, nodes[n.wu])), nodes[n.bu]))
	e := G.Must(slotGather("target_emb", G.Nodes{item}, []func(int) int32{func(k int) int32 { return gr.tItem[k] }}, slotE))
	b := G.Must(slotGather("target_bias", G.Nodes{ibias}, []func(int) int32{func(k int) int32 { return gr.tItem[k] }}, slotB))
	s := G.Must(G.Add(G.Must(G.Sum(G.Must(G.HadamardProd(u, e)), 1)), G.Must(G.Mul(o, nodes[n.wb]))))
	pred := G.Must(G.Add(G.Must(G.Add(s, b)), G.NewConstant(n.mu, G.WithName("mu"))))
	G.Read(pred, &gr.pred)

	// masked MSE: Σ_k w_k (pred_k − y_k)², w_k = 1/nT on the real targets
	yn := inputNode(g, "target", gr.y, K)
	wn := inputNode(g, "target_weight", gr.w, K)
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(G.Must(G.Square(G.Must(G.Sub(pred, yn)))), wn))))

	wrt := G.Nodes{slotX, slotE, slotB}
	for _, p := range gr.dense {
		wrt = append(wrt, nodes[p])
	}
	all, err := G.Grad(loss, wrt...)
	if err != nil {
		return nil, fmt.Errorf("ss4rec: differentiate: %w", err)
	}
	for i, d := range all {
		buf := make([]float32, d.Shape().TotalSize())
		G.Must(sink(wrt[i].Name(), d, buf))
		if i < 3 {
			gr.slots = append(gr.slots, buf)
		} else {
			gr.grads = append(gr.grads, buf)
		}
	}
	gr.vm = G.NewTapeMachine(g)
	return gr, nil
}

// fillMask draws a dropout mask: each element 0 with probability p, else 1/(1−p).
func fillMask(mask []float32, p float32, r *rand.Rand) {
	keep := 1 / (1 - p)
	for i := range mask {
		if r.Float32() < p {
			mask[i] = 0
		} else {
			mask[i] = keep
		}
	}
}

// fillMaskPCG is fillMask on rand.New(src), the same draws without a call through
// the Source interface per element: Float32 is x/2²⁴ for the low 24 bits x of a
// Uint32 (the top 32 bits of a Uint64), exact, so x/2²⁴ < p exactly when
// float32(x) < p·2²⁴.
func fillMaskPCG(mask []float32, p float32, src *rand.PCG) {
	keep, thr := 1/(1-p), p*(1<<24)
	for i := range mask {
		if float32(src.Uint64()>>32&(1<<24-1)) < thr {
			mask[i] = 0
		} else {
			mask[i] = keep
		}
	}
}

// feed copies batch b into the graph's inputs and draws the dropout masks from rng.
func (gr *graph) feed(b *batch, p float32, rng *rand.PCG) {
	copy(gr.items, b.items)
	for i, r := range b.rates {
		gr.rates[i] = int32(r)
	}
	copy(gr.tau, b.tau)
	for _, m := range gr.masks {
		fillMaskPCG(m, p, rng)
	}
	nT := len(b.tRow)
	clear(gr.tRow[nT:])
	clear(gr.tItem[nT:])
	clear(gr.y[nT:])
	clear(gr.w[nT:])
	copy(gr.tRow, b.tRow)
	copy(gr.tItem, b.tItem)
	copy(gr.y, b.tRating)
	wt := 1 / float32(max(nT, 1))
	for k := range nT {
		gr.w[k] = wt
	}
}

// run executes the graph on the fed batch and returns the predictions of its nT
// targets (valid until the next run).
func (gr *graph) run(nT int) ([]float32, error) {
	if err := gr.vm.RunAll(); err != nil {
		gr.vm.Reset()
		return nil, fmt.Errorf("ss4rec: run graph: %w", err)
	}
	p, ok := gr.pred.Data().([]float32)
	if !ok || len(p) != gr.K {
		gr.vm.Reset()
		return nil, fmt.Errorf("ss4rec: graph predictions are %T, want %d float32", gr.pred.Data(), gr.K)
	}
	return p[:nT], nil
}

// scatter adds the gradients of the last run into the params (sparse tables through
// AddRows, head rows first, as the reference backward does) and resets the machine.
func (gr *graph) scatter(n *net, b *batch) error {
	defer gr.vm.Reset()
	H := n.cfg.Dim
	nT := len(b.tRow)
	dx, de, dib := gr.slots[0], gr.slots[1], gr.slots[2]
	n.itemEmb.AddRows(b.tItem, de[:nT*H])
	n.itemBias.AddRows(b.tItem, dib[:nT])
	for k, p := range gr.dense {
		for j, v := range gr.grads[k] {
			p.Grad[j] += v
		}
	}
	// the input gather's backward, skipping padding positions
	idx, rowsG := make([]int32, 0, len(b.items)), make([]float32, 0, len(dx))
	for i, it := range b.items {
		gi := dx[i*H : i*H+H]
		if it != 0 {
			idx = append(idx, it)
			rowsG = append(rowsG, gi...)
		}
		dr := n.rateEmb.Grad[int(b.rates[i])*H : int(b.rates[i])*H+H]
		for j, v := range gi {
			dr[j] += v
		}
	}
	n.itemEmb.AddRows(idx, rowsG)
	return nil
}

// graphStep is Step on the graph engine for the batch already in m.b: it builds (once
// per batch shape, and again only when a batch has more targets than the graph has
// room for) and runs the graph, and adds its gradients into the params.
func (m *Model) graphStep(seed uint64) (trainer.Loss, error) {
	b := &m.b
	nT := len(b.tRow)
	gr := m.graphs[b.nb]
	if gr == nil || gr.K < nT {
		K := b.nb * b.T // room for one target per position: enough for nearly every batch
		for K < nT {
			K += b.T
		}
		var err error
		if gr, err = buildGraph(m.net, m.Backend, b.nb, b.T, K, true); err != nil {
			return trainer.Loss{}, err
		}
		if m.graphs == nil {
			m.graphs = map[int]*graph{}
		}
		m.graphs[b.nb] = gr
	}
	gr.feed(b, m.cfg.Dropout, rand.NewPCG(seed, 0xd0))
	pred, err := gr.run(nT)
	if err != nil {
		return trainer.Loss{}, err
	}
	var loss trainer.Loss
	for k, y := range pred {
		d := float64(y) - float64(b.tRating[k])
		loss.SumSq += d * d
	}
	loss.Count = nT
	return loss, gr.scatter(m.net, b)
}
