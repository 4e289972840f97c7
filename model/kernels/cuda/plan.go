package cuda

import (
	"errors"
	"fmt"
	"math"
)

// Errors of bad arguments, found on the host before anything is launched.
var (
	ErrIndex = errors.New("embedding index out of range")
	ErrShape = errors.New("slice length does not match the dimensions")
)

// needLen reports a slice whose length is not n (a kernel would read or write past it).
func needLen(what string, s []float32, n int) error {
	if len(s) != n {
		return fmt.Errorf("%s: %d values, want %d: %w", what, len(s), n, ErrShape)
	}
	return nil
}

// sameLen reports any of ss whose length is not n.
func sameLen(what string, n int, ss ...[]float32) error {
	for i, s := range ss {
		if err := needLen(fmt.Sprintf("%s operand %d", what, i+1), s, n); err != nil {
			return err
		}
	}
	return nil
}

// BlockSize is the number of threads per block of every launch.
const BlockSize = 256

// Grid is the number of blocks of BlockSize threads that cover n threads.
func Grid(n int) int { return max(1, (n+BlockSize-1)/BlockSize) }

// CheckIndices reports the first index outside [0, rows), naming its batch position,
// as nn.Gather does; the GPU gather checks on the host before it launches.
func CheckIndices(what string, idx []int32, rows int) error {
	for k, r := range idx {
		if r < 0 || int(r) >= rows {
			return fmt.Errorf("%s: index %d at batch position %d outside [0,%d): %w", what, r, k, rows, ErrIndex)
		}
	}
	return nil
}

// RowPlan groups the batch positions of a row-sparse gradient by table row, rows in
// first-touch order and positions ascending within a row: the GPU scatter-add sums
// each (row, column) in one thread in this order, which is the order of
// trainer.Param.AddRows, so the result is bit-identical and needs no atomics.
type RowPlan struct {
	Rows  []int32 // distinct rows, in first-touch order
	Start []int32 // len(Rows)+1 offsets into Pos
	Pos   []int32 // batch positions, grouped by row
}

// NewRowPlan builds the plan of idx (indices already checked).
func NewRowPlan(idx []int32) RowPlan {
	slot := make(map[int32]int32, len(idx))
	var p RowPlan
	count := []int32{}
	for _, r := range idx {
		s, ok := slot[r]
		if !ok {
			s = int32(len(p.Rows))
			slot[r] = s
			p.Rows = append(p.Rows, r)
			count = append(count, 0)
		}
		count[s]++
	}
	p.Start = make([]int32, len(p.Rows)+1)
	for s, c := range count {
		p.Start[s+1] = p.Start[s] + c
	}
	p.Pos = make([]int32, len(idx))
	next := append([]int32(nil), p.Start[:len(p.Rows)]...)
	for k, r := range idx {
		s := slot[r]
		p.Pos[next[s]] = int32(k)
		next[s]++
	}
	return p
}

// AdamStep holds the float32 scalars of one Adam step, computed exactly as
// trainer.Adam.Update computes them, plus the per-tensor gradient scale and decay.
type AdamStep struct {
	Scale, Decay, B1, B2, StepSize, Eps float32
}

// NewAdamStep derives the scalars of global step (1-based, after the increment)
// from the solver's settings, the learning rate and the clipping scale.
func NewAdamStep(beta1, beta2, eps, lr, scale float64, decay float32, step int64) AdamStep {
	bc1 := 1 - math.Pow(beta1, float64(step))
	bc2 := 1 - math.Pow(beta2, float64(step))
	return AdamStep{
		Scale: float32(scale), Decay: decay, B1: float32(beta1), B2: float32(beta2),
		StepSize: float32(lr * math.Sqrt(bc2) / bc1), Eps: float32(eps * math.Sqrt(bc2)),
	}
}

// AdamSpan is the host mirror of the adam_dense / adam_rows kernels over one span,
// statement for statement; tests check it against trainer.Adam on the CPU and the
// kernels against it on the GPU.
func AdamSpan(w, g, m, v []float32, s AdamStep) {
	b1, b2 := s.B1, s.B2
	for j, gj := range g {
		gj = gj*s.Scale + s.Decay*w[j]
		mj := b1*m[j] + (1-b1)*gj
		vj := b2*v[j] + (1-b2)*gj*gj
		m[j], v[j] = mj, vj
		w[j] -= s.StepSize * mj / (float32(math.Sqrt(float64(vj))) + s.Eps)
	}
}
