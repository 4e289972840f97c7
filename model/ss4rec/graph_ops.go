package ss4rec

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/recpipe/recpipe/model/kernels"
)

// kop is a custom gorgonia Op over flat float32 slices: the layers of the training
// graph that gorgonia has no fused form of (layer norm, causal convolution, SiLU,
// gathers and their scatters, the dense products). Its output buffer is allocated
// once and zeroed before every run unless fwd overwrites all of it: an op runs once per
// run and its value is dead by the next run, so keeping the buffer spares the
// allocation and collection of every activation every step. Its backward, when it
// has one, is built from more kops and gorgonia's own ops by grad.
type kop struct {
	name string // unique for ops that read hidden state (index slices)
	in   []tensor.Shape
	out  tensor.Shape
	fwd  func(out []float32, in [][]float32) error
	diff []bool                                             // which inputs are differentiated
	grad func(in G.Nodes, out, dy *G.Node) (G.Nodes, error) // nil: not differentiable
	buf  []float32                                          // the output, reused run after run
	// overwrites: fwd writes every element of out, so the buffer needs no zeroing
	overwrites bool
}

func apply(op *kop, in ...*G.Node) (*G.Node, error) {
	if len(in) != len(op.in) {
		return nil, fmt.Errorf("%s: %d inputs, want %d", op.name, len(in), len(op.in))
	}
	for i, n := range in {
		if !n.Shape().Eq(op.in[i]) {
			return nil, fmt.Errorf("%s: input %d (%s) has shape %v, want %v", op.name, i, n.Name(), n.Shape(), op.in[i])
		}
	}
	if op.grad == nil {
		return G.ApplyOp(plainKop{op}, in...)
	}
	return G.ApplyOp(diffKop{plainKop{op}}, in...)
}

// plainKop is a kop without a derivative (a backward step); diffKop adds SymDiff.
type plainKop struct{ *kop }
type diffKop struct{ plainKop }

func tensorType(s tensor.Shape) hm.Type { return G.TensorType{Dims: s.Dims(), Of: tensor.Float32} }

func (op plainKop) Arity() int { return len(op.in) }
func (op plainKop) Type() hm.Type {
	ts := make([]hm.Type, 0, len(op.in)+1)
	for _, s := range op.in {
		ts = append(ts, tensorType(s))
	}
	return hm.NewFnType(append(ts, tensorType(op.out))...)
}
func (op plainKop) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.out.Clone(), nil }
func (op plainKop) Do(vs ...G.Value) (G.Value, error) {
	in := make([][]float32, len(vs))
	for i, v := range vs {
		d, ok := v.Data().([]float32)
		if !ok {
			return nil, fmt.Errorf("%s: input %d is %T, want []float32", op.name, i, v.Data())
		}
		in[i] = d
	}
	if n := op.out.TotalSize(); len(op.buf) != n {
		op.buf = make([]float32, n)
	} else if !op.overwrites {
		clear(op.buf)
	}
	out := op.buf
	if err := op.fwd(out, in); err != nil {
		return nil, fmt.Errorf("%s: %w", op.name, err)
	}
	return tensor.New(tensor.WithShape(op.out.Clone()...), tensor.WithBacking(out)), nil
}
func (op plainKop) ReturnsPtr() bool      { return false }
func (op plainKop) CallsExtern() bool     { return false }
func (op plainKop) OverwritesInput() int  { return -1 }
func (op plainKop) WriteHash(h hash.Hash) { fmt.Fprintf(h, "%s%v→%v", op.name, op.in, op.out) }
func (op plainKop) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
func (op plainKop) String() string { return op.name }

func (op diffKop) DiffWRT(int) []bool { return op.diff }
func (op diffKop) SymDiff(in G.Nodes, out, dy *G.Node) (G.Nodes, error) {
	g, err := op.grad(in, out, dy)
	if err != nil {
		return nil, fmt.Errorf("%s backward: %w", op.name, err)
	}
	return g, nil
}

func shape(s ...int) tensor.Shape { return tensor.Shape(s) }

// colSum sums the rows of x [r×n] into [n] (the gradient of a bias).
func colSum(x *G.Node) (*G.Node, error) {
	s := x.Shape()
	return apply(&kop{name: "ColSum", in: []tensor.Shape{s}, out: shape(s[1]),
		fwd: func(out []float32, in [][]float32) error { biasGrad(out, in[0]); return nil }}, x)
}

// biasAdd is x [r×n] plus b [n] on every row.
func biasAdd(x, b *G.Node) (*G.Node, error) {
	return apply(&kop{overwrites: true, name: "BiasAdd", in: []tensor.Shape{x.Shape(), b.Shape()}, out: x.Shape().Clone(),
		fwd: func(out []float32, in [][]float32) error {
			copy(out, in[0])
			addBias(out, in[1])
			return nil
		},
		diff: []bool{true, true},
		grad: func(_ G.Nodes, _, dy *G.Node) (G.Nodes, error) {
			db, err := colSum(dy)
			return G.Nodes{dy, db}, err
		},
	}, x, b)
}

// sink copies x into dst when the machine computes x (so the value is read while
// its register still holds it) and outputs nothing of use. The graph reads its
// gradients through sinks.
func sink(label string, x *G.Node, dst []float32) (*G.Node, error) {
	if len(dst) != x.Shape().TotalSize() {
		return nil, fmt.Errorf("sink %s: %d values into %d", label, x.Shape().TotalSize(), len(dst))
	}
	return apply(&kop{name: "Sink(" + label + ")", in: []tensor.Shape{x.Shape()}, out: shape(1),
		fwd: func(_ []float32, in [][]float32) error { copy(dst, in[0]); return nil }}, x)
}

// residual is a + b into the op's own buffer (gorgonia's Add may compute in place in
// an operand whose last use it sees, and allocates otherwise).
func residual(a, b *G.Node) (*G.Node, error) {
	return apply(&kop{overwrites: true, name: "Residual", in: []tensor.Shape{a.Shape(), b.Shape()}, out: a.Shape().Clone(),
		fwd: func(out []float32, in [][]float32) error {
			halves(len(out), 1, func(lo, hi int) {
				o, a, b := out[lo:hi], in[0][lo:hi], in[1][lo:hi]
				for i := range o {
					o[i] = a[i] + b[i]
				}
			})
			return nil
		},
		diff: []bool{true, true},
		grad: func(_ G.Nodes, _, dy *G.Node) (G.Nodes, error) { return G.Nodes{dy, dy}, nil },
	}, a, b)
}

// siluOp is x·σ(x), element-wise, on kernels.SiLU (vectorised, with the scans' expf:
// the reference's silu to float32 rounding).
func siluOp(x *G.Node) (*G.Node, error) {
	return apply(&kop{overwrites: true, name: "SiLU", in: []tensor.Shape{x.Shape()}, out: x.Shape().Clone(),
		fwd: func(out []float32, in [][]float32) error {
			kernels.SiLU(out, in[0])
			return nil
		},
		diff: []bool{true},
		grad: func(in G.Nodes, _, dy *G.Node) (G.Nodes, error) {
			dx, err := apply(&kop{overwrites: true, name: "SiLUGrad", in: []tensor.Shape{in[0].Shape(), dy.Shape()}, out: in[0].Shape().Clone(),
				fwd: func(out []float32, in [][]float32) error {
					kernels.SiLUGrad(out, in[0], in[1])
					return nil
				}}, in[0], dy)
			return G.Nodes{dx}, err
		},
	}, x)
}

// layerNormOp normalises each row of x [r×H] and applies gamma, beta [H] (the same
// arithmetic as layerNorm.forward). The forward keeps x̂ and 1/σ for its backward in
// the same run (one Op computing dx, dgamma and dbeta in one pass, as
// layerNorm.backward).
func layerNormOp(x, gamma, beta *G.Node) (*G.Node, error) {
	xs, hs := x.Shape(), gamma.Shape()
	rows := xs[0]
	l := &layerNorm{}
	return apply(&kop{overwrites: true, name: "LayerNorm", in: []tensor.Shape{xs, hs, hs}, out: xs.Clone(),
		fwd: func(out []float32, in [][]float32) error {
			l.forward(out, in[0], in[1], in[2], rows)
			return nil
		},
		diff: []bool{true, true, true},
		grad: func(in G.Nodes, _, dy *G.Node) (G.Nodes, error) {
			return packedGrad("LayerNorm", []tensor.Shape{xs, hs, hs}, []bool{true, true, true}, in, dy,
				func(v [][]float32, dy []float32, grads [][]float32) {
					clear(grads[1])
					clear(grads[2])
					l.backward(grads[0], dy, v[1], grads[1], grads[2], rows)
				})
		},
	}, x, gamma, beta)
}

// convOp is the causal depthwise convolution of x [nb·T×E] with w [E×K], b [E]. Its
// backward is one Op computing dx, dw and db in one pass (convBackward).
func convOp(x, w, b *G.Node, nb, T int) (*G.Node, error) {
	xs, ws, bs := x.Shape(), w.Shape(), b.Shape()
	E, K := ws[0], ws[1]
	return apply(&kop{overwrites: true, name: "CausalConv", in: []tensor.Shape{xs, ws, bs}, out: xs.Clone(),
		fwd: func(out []float32, in [][]float32) error {
			convForward(out, in[0], in[1], in[2], nb, T, E, K)
			return nil
		},
		diff: []bool{true, true, true},
		grad: func(in G.Nodes, _, dy *G.Node) (G.Nodes, error) {
			return packedGrad("CausalConv", []tensor.Shape{xs, ws, bs}, []bool{true, true, true}, in, dy,
				func(v [][]float32, dy []float32, grads [][]float32) {
					for _, g := range grads {
						clear(g)
					}
					convBackward(grads[0], grads[1], grads[2], dy, v[0], v[1], nb, T, E, K)
				})
		},
	}, x, w, b)
}

// matMul is x [r×k] times w [k×n] on kernels.Gemm (gorgonia's Mul runs gonum's
// Sgemm); its backward is dx = dy·wᵀ and dw = xᵀ·dy, also on kernels.Gemm.
func matMul(x, w *G.Node) (*G.Node, error) {
	xs, ws := x.Shape(), w.Shape()
	if xs.Dims() != 2 || ws.Dims() != 2 || xs[1] != ws[0] {
		return nil, fmt.Errorf("matmul %s·%s: shapes %v and %v", x.Name(), w.Name(), xs, ws)
	}
	r, k, n := xs[0], xs[1], ws[1]
	os := shape(r, n)
	return apply(&kop{overwrites: true, name: "MatMul", in: []tensor.Shape{xs, ws}, out: os,
		fwd: func(out []float32, in [][]float32) error {
			kernels.Gemm(out, in[0], in[1], r, k, n, false, false, 0)
			return nil
		},
		diff: []bool{true, true},
		grad: func(in G.Nodes, _, dy *G.Node) (G.Nodes, error) {
			dx, err := apply(&kop{overwrites: true, name: "MatMulGradX", in: []tensor.Shape{os, ws}, out: xs.Clone(),
				fwd: func(out []float32, in [][]float32) error {
					kernels.Gemm(out, in[0], in[1], r, n, k, false, true, 0)
					return nil
				}}, dy, in[1])
			if err != nil {
				return nil, err
			}
			dw, err := apply(&kop{overwrites: true, name: "MatMulGradW", in: []tensor.Shape{xs, os}, out: ws.Clone(),
				fwd: func(out []float32, in [][]float32) error {
					kernels.Gemm(out, in[0], in[1], k, r, n, true, false, 0)
					return nil
				}}, in[0], dy)
			return G.Nodes{dx, dw}, err
		},
	}, x, w)
}

// hadamard is a ⊙ b, element-wise, into a buffer reused run after run (gorgonia's
// HadamardProd allocates its result every run); diffB says whether b is
// differentiated (a dropout mask is not).
func hadamard(a, b *G.Node, diffB bool) (*G.Node, error) {
	s := a.Shape()
	return apply(&kop{overwrites: true, name: "Hadamard", in: []tensor.Shape{s, b.Shape()}, out: s.Clone(),
		fwd: func(out []float32, in [][]float32) error {
			mulInto(out, in[0], in[1])
			return nil
		},
		diff: []bool{true, diffB},
		grad: func(in G.Nodes, _, dy *G.Node) (G.Nodes, error) {
			da, err := hadamard(dy, in[1], false)
			if err != nil || !diffB {
				return G.Nodes{da, nil}, err
			}
			db, err := hadamard(dy, in[0], false)
			return G.Nodes{da, db}, err
		},
	}, a, b)
}

// mulInto writes out[i] = a[i]·b[i].
func mulInto(out, a, b []float32) {
	halves(len(out), 1, func(lo, hi int) {
		o, a, b := out[lo:hi], a[lo:hi], b[lo:hi]
		for i := range o {
			o[i] = a[i] * b[i]
		}
	})
}
