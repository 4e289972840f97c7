package nn

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BiasReLU is relu(x + b) for x of batch × h and a bias row b of 1 × h, fused into one
// pass (gorgonia's BroadcastAdd then Rectify take two passes and a broadcast copy).
// Its backward is two more Ops: dx = grad ⊙ [out > 0] and db = Σ_rows dx.
func BiasReLU(x, b *G.Node) (*G.Node, error) {
	return G.ApplyOp(biasReLUOp{}, x, b)
}

func f32(v G.Value, what string) ([]float32, error) {
	d, ok := v.Data().([]float32)
	if !ok {
		return nil, fmt.Errorf("%s: value is %T, want []float32", what, v.Data())
	}
	return d, nil
}

func matrixType() hm.Type { return G.TensorType{Dims: 2, Of: tensor.Float32} }

func hashOf(op interface{ WriteHash(hash.Hash) }) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

type biasReLUOp struct{}

func (biasReLUOp) Arity() int { return 2 }
func (biasReLUOp) Type() hm.Type {
	return hm.NewFnType(matrixType(), matrixType(), matrixType())
}
func (biasReLUOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	xs, bs := in[0].(tensor.Shape), in[1].(tensor.Shape)
	if len(xs) != 2 || len(bs) != 2 || bs[0] != 1 || bs[1] != xs[1] {
		return nil, fmt.Errorf("bias-relu: x %v and bias %v: want batch×h and 1×h", xs, bs)
	}
	return xs.Clone(), nil
}
func (biasReLUOp) Do(vals ...G.Value) (G.Value, error) {
	x, err := f32(vals[0], "bias-relu x")
	if err != nil {
		return nil, err
	}
	b, err := f32(vals[1], "bias-relu bias")
	if err != nil {
		return nil, err
	}
	out := make([]float32, len(x))
	h := len(b)
	for r := 0; r < len(x); r += h {
		xr, or := x[r:r+h], out[r:r+h]
		for j, v := range xr {
			if v += b[j]; v > 0 {
				or[j] = v
			}
		}
	}
	return tensor.New(tensor.WithShape(vals[0].Shape().Clone()...), tensor.WithBacking(out)), nil
}
func (biasReLUOp) ReturnsPtr() bool      { return false }
func (biasReLUOp) CallsExtern() bool     { return false }
func (biasReLUOp) OverwritesInput() int  { return -1 }
func (biasReLUOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "bias-relu") }
func (op biasReLUOp) Hashcode() uint32   { return hashOf(op) }
func (biasReLUOp) String() string        { return "BiasReLU" }
func (biasReLUOp) DiffWRT(int) []bool    { return []bool{true, true} }
func (biasReLUOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(reluMaskOp{}, out, grad)
	if err != nil {
		return nil, err
	}
	db, err := G.ApplyOp(colSumOp{}, dx)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, db}, nil
}

// reluMaskOp is grad ⊙ [out > 0].
type reluMaskOp struct{}

func (reluMaskOp) Arity() int { return 2 }
func (reluMaskOp) Type() hm.Type {
	return hm.NewFnType(matrixType(), matrixType(), matrixType())
}
func (reluMaskOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return in[0].(tensor.Shape).Clone(), nil
}
func (reluMaskOp) Do(vals ...G.Value) (G.Value, error) {
	out, err := f32(vals[0], "relu-mask out")
	if err != nil {
		return nil, err
	}
	g, err := f32(vals[1], "relu-mask grad")
	if err != nil {
		return nil, err
	}
	if len(g) != len(out) {
		return nil, fmt.Errorf("relu-mask: %d gradients for %d outputs", len(g), len(out))
	}
	dx := make([]float32, len(out))
	for j, o := range out {
		if o > 0 {
			dx[j] = g[j]
		}
	}
	return tensor.New(tensor.WithShape(vals[0].Shape().Clone()...), tensor.WithBacking(dx)), nil
}
func (reluMaskOp) ReturnsPtr() bool      { return false }
func (reluMaskOp) CallsExtern() bool     { return false }
func (reluMaskOp) OverwritesInput() int  { return -1 }
func (reluMaskOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "relu-mask") }
func (op reluMaskOp) Hashcode() uint32   { return hashOf(op) }
func (reluMaskOp) String() string        { return "ReLUMask" }

// colSumOp sums a batch × h matrix over its rows into 1 × h.
type colSumOp struct{}

func (colSumOp) Arity() int    { return 1 }
func (colSumOp) Type() hm.Type { return hm.NewFnType(matrixType(), matrixType()) }
func (colSumOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s := in[0].(tensor.Shape)
	return tensor.Shape{1, s[1]}, nil
}
func (colSumOp) Do(vals ...G.Value) (G.Value, error) {
	x, err := f32(vals[0], "col-sum")
	if err != nil {
		return nil, err
	}
	h := vals[0].Shape()[1]
	s := make([]float32, h)
	for r := 0; r < len(x); r += h {
		for j, v := range x[r : r+h] {
			s[j] += v
		}
	}
	return tensor.New(tensor.WithShape(1, h), tensor.WithBacking(s)), nil
}
func (colSumOp) ReturnsPtr() bool      { return false }
func (colSumOp) CallsExtern() bool     { return false }
func (colSumOp) OverwritesInput() int  { return -1 }
func (colSumOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "col-sum") }
func (op colSumOp) Hashcode() uint32   { return hashOf(op) }
func (colSumOp) String() string        { return "ColSum" }
