package ncf

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/recpipe/recpipe/model/kernels"
)

// matMul is x·w for x [r×k] and w [k×n] on kernels.GemmExact: the bits of gorgonia's
// Mul (gonum's Sgemm), so training results stay as published, on AVX2 tiles. Its
// backward is dx = dy·wᵀ and dw = xᵀ·dy, also on GemmExact (gorgonia's Mul backward
// runs the same two Sgemm calls).
func matMul(x, w *G.Node) (*G.Node, error) {
	return G.ApplyOp(&gemmOp{}, x, w)
}

// gemmOp is op(a)·op(b) (transposes as flagged) into a buffer kept from run to run:
// an op runs once per run, and its value is read before the next.
type gemmOp struct {
	ta, tb bool
	buf    []float32
}

func (op *gemmOp) dims(a, b tensor.Shape) (m, k, n int, err error) {
	if len(a) != 2 || len(b) != 2 {
		return 0, 0, 0, fmt.Errorf("%s: shapes %v and %v, want matrices", op, a, b)
	}
	m, k = a[0], a[1]
	if op.ta {
		m, k = k, m
	}
	kb, n := b[0], b[1]
	if op.tb {
		kb, n = n, kb
	}
	if k != kb {
		return 0, 0, 0, fmt.Errorf("%s: shapes %v and %v do not chain", op, a, b)
	}
	return m, k, n, nil
}

func (op *gemmOp) Arity() int { return 2 }
func (op *gemmOp) Type() hm.Type {
	t := G.TensorType{Dims: 2, Of: tensor.Float32}
	return hm.NewFnType(t, t, t)
}
func (op *gemmOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	a, aok := in[0].(tensor.Shape)
	b, bok := in[1].(tensor.Shape)
	if !aok || !bok {
		return nil, fmt.Errorf("%s: inputs are %T and %T, want shapes", op, in[0], in[1])
	}
	m, _, n, err := op.dims(a, b)
	return tensor.Shape{m, n}, err
}
func (op *gemmOp) Do(vals ...G.Value) (G.Value, error) {
	m, k, n, err := op.dims(vals[0].Shape(), vals[1].Shape())
	if err != nil {
		return nil, err
	}
	a, aok := vals[0].Data().([]float32)
	b, bok := vals[1].Data().([]float32)
	if !aok || !bok {
		return nil, fmt.Errorf("%s: inputs are %T and %T, want []float32", op, vals[0].Data(), vals[1].Data())
	}
	if len(op.buf) != m*n {
		op.buf = make([]float32, m*n)
	}
	kernels.GemmExact(op.buf, a, b, m, k, n, op.ta, op.tb)
	return tensor.New(tensor.WithShape(m, n), tensor.WithBacking(op.buf)), nil
}
func (op *gemmOp) ReturnsPtr() bool     { return false }
func (op *gemmOp) CallsExtern() bool    { return false }
func (op *gemmOp) OverwritesInput() int { return -1 }
func (op *gemmOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "gemm-exact %t %t %p", op.ta, op.tb, op)
}
func (op *gemmOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
func (op *gemmOp) String() string {
	return fmt.Sprintf("GemmExact(%s%s)", map[bool]string{true: "T", false: "N"}[op.ta], map[bool]string{true: "T", false: "N"}[op.tb])
}
func (op *gemmOp) DiffWRT(int) []bool { return []bool{true, true} }
func (op *gemmOp) SymDiff(in G.Nodes, _, dy *G.Node) (G.Nodes, error) {
	if op.ta || op.tb {
		return nil, fmt.Errorf("%s: only the forward x·w is differentiated", op)
	}
	dx, err := G.ApplyOp(&gemmOp{tb: true}, dy, in[1])
	if err != nil {
		return nil, err
	}
	dw, err := G.ApplyOp(&gemmOp{ta: true}, in[0], dy)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dw}, nil
}
