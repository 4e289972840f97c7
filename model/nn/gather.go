package nn

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/recpipe/recpipe/model/trainer"
)

// Gather is an embedding lookup in a graph: out[k] = table[Idx[k]], for a table node
// whose value is a trainer.Param's Value (rows × cols, shared, not copied) and a batch of
// len(Idx) indices fed in place (write Idx, then run the machine).
//
// Gorgonia differentiates only with regard to input nodes, and the table must not be
// one (its gradient would be a dense table each step, as with gorgonia's ByIndices).
// So the Op has a second input, Slot: a batch × cols input node that is always zero,
// and computes out = table[Idx] + Slot. The gradient with regard to Slot is the
// gradient of the gathered rows, i.e. the row-sparse gradient of the table; Backward
// scatters it into the Param. Differentiate the loss with regard to Slot.
type Gather struct {
	Param *trainer.Param
	Idx   []int32
	Out   *G.Node // batch × cols, or a batch vector for a one-column table (biases)
	Slot  *G.Node // zeros of Out's shape: differentiate with regard to it
	op    *gatherOp
}

// NewGather adds a lookup of batch rows of p to g.
func NewGather(g *G.ExprGraph, p *trainer.Param, batch int) (*Gather, error) {
	table := G.NewMatrix(g, tensor.Float32, G.WithName(p.Name), G.WithShape(p.Shape[0], p.Cols()),
		G.WithValue(tensor.New(tensor.WithShape(p.Shape[0], p.Cols()), tensor.WithBacking(p.Value))))
	gt := &Gather{Param: p, Idx: make([]int32, batch)}
	shape := tensor.Shape{batch, p.Cols()}
	if p.Cols() == 1 {
		shape = tensor.Shape{batch}
	}
	gt.op = &gatherOp{name: p.Name, idx: &gt.Idx, cols: p.Cols(), shape: shape,
		out: tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))}
	gt.Slot = G.NewTensor(g, tensor.Float32, len(shape), G.WithName("slot("+p.Name+")"), G.WithShape(shape...),
		G.WithValue(tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))))
	out, err := G.ApplyOpWithName(gt.op, "gather("+p.Name+")", table, gt.Slot)
	if err != nil {
		return nil, fmt.Errorf("gather %s: %w", p.Name, err)
	}
	gt.Out = out
	return gt, nil
}

// Backward scatters grad (the gradient of Slot, i.e. of Out, batch × cols) into the
// Param's rows.
func (gt *Gather) Backward(grad G.Value) error {
	data, ok := grad.Data().([]float32)
	if !ok || len(data) != len(gt.Idx)*gt.Param.Cols() {
		return fmt.Errorf("gather %s backward: gradient %T of %d values, want %d float32", gt.Param.Name, grad.Data(), len(data), len(gt.Idx)*gt.Param.Cols())
	}
	gt.Param.AddRows(gt.Idx, data)
	return nil
}

// gatherOp is the forward: out = table[idx] + slot, where slot is known to be zero and
// so is not read. It writes into a buffer it owns (refilled on every run).
type gatherOp struct {
	name  string
	idx   *[]int32
	cols  int
	shape tensor.Shape // of the output: batch × cols, or batch when cols is 1
	out   *tensor.Dense
}

func (op *gatherOp) Arity() int { return 2 }
func (op *gatherOp) Type() hm.Type {
	table := G.TensorType{Dims: 2, Of: tensor.Float32}
	out := G.TensorType{Dims: len(op.shape), Of: tensor.Float32}
	return hm.NewFnType(table, out, out)
}
func (op *gatherOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return op.shape.Clone(), nil
}
func (op *gatherOp) Do(vals ...G.Value) (G.Value, error) {
	table, ok := vals[0].Data().([]float32)
	if !ok {
		return nil, fmt.Errorf("gather %s: table is %T, want []float32", op.name, vals[0].Data())
	}
	out := op.out.Data().([]float32)
	c := op.cols
	rows := len(table) / c
	for k, r := range *op.idx {
		if r < 0 || int(r) >= rows {
			return nil, fmt.Errorf("gather %s: index %d at batch position %d outside [0,%d)", op.name, r, k, rows)
		}
		copy(out[k*c:(k+1)*c], table[int(r)*c:int(r+1)*c])
	}
	return op.out, nil
}
func (op *gatherOp) ReturnsPtr() bool     { return true }
func (op *gatherOp) CallsExtern() bool    { return false }
func (op *gatherOp) OverwritesInput() int { return -1 }
func (op *gatherOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "gather(%s,%d,%d)", op.name, len(*op.idx), op.cols)
}
func (op *gatherOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
func (op *gatherOp) String() string { return "gather(" + op.name + ")" }

// DiffWRT: the table is not differentiated through the graph, the slot is (see Gather).
func (op *gatherOp) DiffWRT(int) []bool { return []bool{false, true} }

// SymDiff: ∂out/∂slot is the identity.
func (op *gatherOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	return G.Nodes{nil, grad}, nil
}
