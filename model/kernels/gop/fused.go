package gop

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// fused describes one kernel as an Op: input shapes, output shape, which inputs are
// differentiable, and the forward / backward functions over flat float32 slices.
type fused struct {
	name string
	in   []tensor.Shape
	out  tensor.Shape
	diff []bool
	fwd  func(in [][]float32) []float32
	bwd  func(in [][]float32, dy []float32) [][]float32 // nil entries for non-differentiable inputs
}

// fusedOp is the forward Op.
type fusedOp struct{ *fused }

// fusedGradOp is the backward Op: inputs…, dy → every differentiable gradient, packed.
type fusedGradOp struct{ *fused }

func typeOf(s tensor.Shape) hm.Type { return G.TensorType{Dims: s.Dims(), Of: hm.TypeVariable('a')} }

func values(vs []G.Value) ([][]float32, error) {
	out := make([][]float32, len(vs))
	for i, v := range vs {
		d, ok := v.Data().([]float32)
		if !ok {
			return nil, fmt.Errorf("input %d: want float32 data, got %T", i, v.Data())
		}
		out[i] = d
	}
	return out, nil
}

func (op fusedOp) Arity() int { return len(op.in) }
func (op fusedOp) Type() hm.Type {
	ts := make([]hm.Type, 0, len(op.in)+1)
	for _, s := range op.in {
		ts = append(ts, typeOf(s))
	}
	return hm.NewFnType(append(ts, typeOf(op.out))...)
}
func (op fusedOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.out.Clone(), nil }
func (op fusedOp) Do(vs ...G.Value) (G.Value, error) {
	in, err := values(vs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op.name, err)
	}
	return tensor.New(tensor.WithShape(op.out.Clone()...), tensor.WithBacking(op.fwd(in))), nil
}
func (op fusedOp) ReturnsPtr() bool      { return false }
func (op fusedOp) CallsExtern() bool     { return false }
func (op fusedOp) OverwritesInput() int  { return -1 }
func (op fusedOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "%s%v", op.name, op.in) }
func (op fusedOp) Hashcode() uint32      { return hashOf(op) }
func (op fusedOp) String() string        { return op.name }
func (op fusedOp) DiffWRT(int) []bool    { return op.diff }

func (op fusedOp) SymDiff(inputs G.Nodes, _ *G.Node, grad *G.Node) (G.Nodes, error) {
	packed, err := G.ApplyOp(fusedGradOp(op), append(append(G.Nodes{}, inputs...), grad)...)
	if err != nil {
		return nil, fmt.Errorf("%s backward: %w", op.name, err)
	}
	out := make(G.Nodes, len(inputs))
	off := 0
	for i, s := range op.in {
		if !op.diff[i] {
			continue
		}
		n := s.TotalSize()
		sl, err := G.Slice(packed, G.S(off, off+n))
		if err != nil {
			return nil, fmt.Errorf("%s backward: slice input %d: %w", op.name, i, err)
		}
		if out[i], err = G.Reshape(sl, s.Clone()); err != nil {
			return nil, fmt.Errorf("%s backward: reshape input %d: %w", op.name, i, err)
		}
		off += n
	}
	return out, nil
}

func (op fusedGradOp) packedLen() int {
	n := 0
	for i, s := range op.in {
		if op.diff[i] {
			n += s.TotalSize()
		}
	}
	return n
}

func (op fusedGradOp) Arity() int { return len(op.in) + 1 }
func (op fusedGradOp) Type() hm.Type {
	ts := make([]hm.Type, 0, len(op.in)+2)
	for _, s := range op.in {
		ts = append(ts, typeOf(s))
	}
	ts = append(ts, typeOf(op.out), G.TensorType{Dims: 1, Of: hm.TypeVariable('a')})
	return hm.NewFnType(ts...)
}
func (op fusedGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.packedLen()}, nil
}
func (op fusedGradOp) Do(vs ...G.Value) (G.Value, error) {
	in, err := values(vs)
	if err != nil {
		return nil, fmt.Errorf("%s backward: %w", op.name, err)
	}
	grads := op.bwd(in[:len(in)-1], in[len(in)-1])
	packed := make([]float32, 0, op.packedLen())
	for i, g := range grads {
		if op.diff[i] {
			packed = append(packed, g...)
		}
	}
	return tensor.New(tensor.WithShape(len(packed)), tensor.WithBacking(packed)), nil
}
func (op fusedGradOp) ReturnsPtr() bool      { return false }
func (op fusedGradOp) CallsExtern() bool     { return false }
func (op fusedGradOp) OverwritesInput() int  { return -1 }
func (op fusedGradOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "%sGrad%v", op.name, op.in) }
func (op fusedGradOp) Hashcode() uint32      { return hashOf(op) }
func (op fusedGradOp) String() string        { return op.name + "Grad" }

func hashOf(op interface{ WriteHash(hash.Hash) }) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
