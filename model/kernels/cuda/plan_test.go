package cuda_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/recpipe/recpipe/model/kernels/cuda"
	"github.com/recpipe/recpipe/model/trainer"
)

func TestGrid(t *testing.T) {
	for _, c := range []struct{ n, want int }{{0, 1}, {1, 1}, {256, 1}, {257, 2}, {6400, 25}} {
		if got := cuda.Grid(c.n); got != c.want {
			t.Errorf("Grid(%d) = %d, want %d", c.n, got, c.want)
		}
	}
}

func TestCheckIndices(t *testing.T) {
	tests := []struct {
		idx  []int32
		rows int
		bad  bool
	}{
		{[]int32{0, 4, 2}, 5, false},
		{[]int32{0, 5}, 5, true},
		{[]int32{-1}, 5, true},
		{nil, 0, false},
	}
	for _, tc := range tests {
		err := cuda.CheckIndices("items", tc.idx, tc.rows)
		if tc.bad != errors.Is(err, cuda.ErrIndex) {
			t.Errorf("CheckIndices(%v, %d) = %v, want bad=%v", tc.idx, tc.rows, err, tc.bad)
		}
	}
}

// TestRowPlanMatchesAddRows replays the plan on the host as the scatter_add_rows
// kernel does (one accumulator per row and column, positions in plan order) and
// requires bit-identical gradients and the same touched rows as trainer.Param.AddRows.
func TestRowPlanMatchesAddRows(t *testing.T) {
	tests := []struct {
		name string
		idx  []int32
	}{
		{"distinct", []int32{3, 1, 4}},
		{"repeats", []int32{2, 7, 2, 2, 0, 7}},
		{"one row", []int32{5, 5, 5, 5}},
		{"empty", nil},
	}
	const rows, cols = 8, 3
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, uint64(len(tc.idx))))
			g := make([]float32, len(tc.idx)*cols)
			for i := range g {
				g[i] = r.Float32()*2 - 1
			}
			p := trainer.NewParam("emb", true, rows, cols)
			for i := range p.Grad {
				p.Grad[i] = float32(i) * 0.125 // a gradient already holding values
			}
			want := append([]float32(nil), p.Grad...)
			p.AddRows(tc.idx, g)
			plan := cuda.NewRowPlan(tc.idx)
			if !slices.Equal(plan.Rows, p.Touched()) {
				t.Fatalf("plan rows %v, AddRows touched %v", plan.Rows, p.Touched())
			}
			for u, row := range plan.Rows {
				for j := range cols {
					acc := want[int(row)*cols+j]
					for s := plan.Start[u]; s < plan.Start[u+1]; s++ {
						acc += g[int(plan.Pos[s])*cols+j]
					}
					want[int(row)*cols+j] = acc
				}
			}
			if !slices.Equal(want, p.Grad) {
				t.Errorf("plan replay %v\nAddRows     %v", want, p.Grad)
			}
		})
	}
}

// TestAdamSpanMatchesModelAdam checks that the kernels' host mirror, fed the scalars
// of NewAdamStep, updates values and moments bit-identically to trainer.Adam, for a
// dense tensor and for the touched rows of a sparse table, over several steps.
func TestAdamSpanMatchesModelAdam(t *testing.T) {
	const beta1, beta2, eps, lr, scale = 0.9, 0.999, 1e-8, 3e-3, 0.7
	r := rand.New(rand.NewPCG(3, 4))
	dense := trainer.NewParam("w", false, 4, 5)
	table := trainer.NewParam("emb", true, 6, 3)
	dense.Decay, table.Decay = 1e-4, 2e-5
	for _, p := range []*trainer.Param{dense, table} {
		for i := range p.Value {
			p.Value[i] = r.Float32() - 0.5
		}
	}
	params := []*trainer.Param{dense, table}
	opt := trainer.NewAdam(params, beta1, beta2, eps)
	mirror := [][]float32{slices.Clone(dense.Value), slices.Clone(table.Value)}
	mm := [][]float32{make([]float32, 20), make([]float32, 18)}
	mv := [][]float32{make([]float32, 20), make([]float32, 18)}
	for step := int64(1); step <= 4; step++ {
		for i := range dense.Grad {
			dense.Grad[i] = r.Float32() - 0.5
		}
		idx := []int32{int32(step % 6), 2, int32(step % 6)}
		g := make([]float32, len(idx)*3)
		for i := range g {
			g[i] = r.Float32() - 0.5
		}
		table.AddRows(idx, g)
		gDense, gTable := slices.Clone(dense.Grad), slices.Clone(table.Grad)
		touched := slices.Clone(table.Touched())
		opt.Update(params, lr, scale)

		s := cuda.NewAdamStep(beta1, beta2, eps, lr, scale, dense.Decay, step)
		cuda.AdamSpan(mirror[0], gDense, mm[0], mv[0], s)
		s.Decay = table.Decay
		for _, row := range touched {
			lo, hi := int(row)*3, int(row+1)*3
			cuda.AdamSpan(mirror[1][lo:hi], gTable[lo:hi], mm[1][lo:hi], mv[1][lo:hi], s)
		}
		for k, p := range params {
			if !slices.Equal(mirror[k], p.Value) {
				t.Fatalf("step %d %s: mirror %v\nmodel.Adam %v", step, p.Name, mirror[k], p.Value)
			}
			if !slices.Equal(mm[k], opt.M[k]) || !slices.Equal(mv[k], opt.V[k]) {
				t.Fatalf("step %d %s: moments differ", step, p.Name)
			}
		}
		dense.ZeroGrad()
		table.ZeroGrad()
	}
}
