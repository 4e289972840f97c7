package trainer

import (
	"fmt"
	"math"
)

// Param is one trainable tensor, stored flat in row-major order. The trainer owns
// the update; the model owns the forward and backward that fill Grad.
//
// A dense Param gets a gradient for every element on every step. A Sparse Param is an
// embedding table of Shape[0] rows of Shape[1] values: a step writes gradients only
// for the rows it used, through AddRows, and the optimizer updates only those rows
// (lazy Adam), so a step costs O(batch) and not O(table).
type Param struct {
	Name   string
	Shape  []int // [rows, cols] for a Sparse table
	Value  []float32
	Grad   []float32
	Sparse bool
	// Decay is this tensor's L2 weight decay, added to its gradient before Adam
	// (for a Sparse table, only on the touched rows).
	Decay float32
	// LRScale multiplies the run's learning rate for this tensor (NewParam: 1). A model
	// sets it where a tensor needs its own rate (SS4Rec's Λ and step, as S5 trains them).
	LRScale float64
	// NoDecay exempts the tensor from the run's weight decay (TrainRun leaves Decay 0).
	NoDecay bool

	touched []int32 // rows with a gradient this step (Sparse only), in first-touch order
	mark    []bool  // mark[row] ⇔ row ∈ touched
}

// NewParam allocates a zeroed parameter of the given shape.
func NewParam(name string, sparse bool, shape ...int) *Param {
	n := 1
	for _, d := range shape {
		n *= d
	}
	p := &Param{Name: name, Shape: append([]int(nil), shape...), Value: make([]float32, n), Grad: make([]float32, n), Sparse: sparse, LRScale: 1}
	if sparse {
		if len(shape) != 2 {
			panic(fmt.Sprintf("param %s: a sparse table needs shape [rows, cols], got %v", name, shape))
		}
		p.mark = make([]bool, shape[0])
	}
	return p
}

// Cols is the row width of a table (the last dimension).
func (p *Param) Cols() int { return p.Shape[len(p.Shape)-1] }

// Row returns the values of row r of a table.
func (p *Param) Row(r int32) []float32 {
	c := p.Cols()
	return p.Value[int(r)*c : int(r+1)*c]
}

// AddRows adds the row-sparse gradient g (len(idx) rows of Cols values) into Grad:
// Grad[idx[k]] += g[k]. Repeated indices accumulate. This is the backward of a gather.
func (p *Param) AddRows(idx []int32, g []float32) {
	c := p.Cols()
	for k, r := range idx {
		if !p.mark[r] {
			p.mark[r] = true
			p.touched = append(p.touched, r)
		}
		dst := p.Grad[int(r)*c : int(r+1)*c]
		for j, v := range g[k*c : (k+1)*c] {
			dst[j] += v
		}
	}
}

// Touched returns the rows with a gradient this step (Sparse only).
func (p *Param) Touched() []int32 { return p.touched }

// ZeroGrad clears the gradient: the touched rows of a Sparse table, all of a dense one.
func (p *Param) ZeroGrad() {
	if !p.Sparse {
		clear(p.Grad)
		return
	}
	c := p.Cols()
	for _, r := range p.touched {
		clear(p.Grad[int(r)*c : int(r+1)*c])
		p.mark[r] = false
	}
	p.touched = p.touched[:0]
}

// eachGradRow calls fn with every slice of Grad that holds this step's gradient
// (with its first index in Grad), and likewise for Value when values is true.
func (p *Param) eachLive(values bool, fn func(off int, s []float32)) {
	src := p.Grad
	if values {
		src = p.Value
	}
	if !p.Sparse {
		fn(0, src)
		return
	}
	c := p.Cols()
	for _, r := range p.touched {
		fn(int(r)*c, src[int(r)*c:int(r+1)*c])
	}
}

// GradSqNorm is the squared L2 norm of this step's gradient.
func (p *Param) GradSqNorm() float64 {
	var s float64
	p.eachLive(false, func(_ int, g []float32) {
		for _, v := range g {
			s += float64(v) * float64(v)
		}
	})
	return s
}

// Norm is the L2 norm of the whole value.
func (p *Param) Norm() float64 {
	var s float64
	for _, v := range p.Value {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s)
}

// firstNonFinite returns the flat index of the first NaN or Inf among this step's
// gradient (values=false) or the updated values (values=true), or -1.
func (p *Param) firstNonFinite(values bool) int {
	at := -1
	p.eachLive(values, func(off int, s []float32) {
		if j := firstNonFiniteIn(s); at < 0 && j >= 0 {
			at = off + j
		}
	})
	return at
}

// firstNonFiniteIn returns the index of the first NaN or Inf of s, or -1.
func firstNonFiniteIn(s []float32) int {
	for j, v := range s {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return j
		}
	}
	return -1
}
