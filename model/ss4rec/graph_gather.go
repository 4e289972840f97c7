package ss4rec

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// rowGather picks rows (*idx)[k] of x [r×H] into [K×H]; its backward scatters the
// gradient back (repeated rows accumulate). label names the index set.
func rowGather(label string, x *G.Node, idx *[]int32, K int) (*G.Node, error) {
	xs := x.Shape()
	H := xs[1]
	return apply(&kop{name: "RowGather(" + label + ")", in: []tensor.Shape{xs}, out: shape(K, H),
		fwd: func(out []float32, in [][]float32) error {
			for k, r := range *idx {
				if int(r) >= xs[0] || r < 0 {
					return fmt.Errorf("row %d at target %d outside [0,%d)", r, k, xs[0])
				}
				copy(out[k*H:k*H+H], in[0][int(r)*H:int(r)*H+H])
			}
			return nil
		},
		diff: []bool{true},
		grad: func(_ G.Nodes, _, dy *G.Node) (G.Nodes, error) {
			dx, err := apply(&kop{name: "RowScatter(" + label + ")", in: []tensor.Shape{shape(K, H)}, out: xs.Clone(),
				fwd: func(out []float32, in [][]float32) error {
					for k, r := range *idx {
						d := out[int(r)*H : int(r)*H+H]
						for j, v := range in[0][k*H : k*H+H] {
							d[j] += v
						}
					}
					return nil
				}}, dy)
			return G.Nodes{dx}, err
		},
	}, x)
}

// slotGather is an embedding lookup with a row-sparse gradient (as model/nn.Gather):
// out = Σ_t tables[t][(*idx[t])[k]] + slot, where the tables are not differentiated and
// slot is an always-zero input of out's shape whose gradient is the gathered rows'
// gradient; the caller scatters it into the Params with AddRows.
func slotGather(label string, tables []*G.Node, idx []func(k int) int32, slot *G.Node) (*G.Node, error) {
	osh := slot.Shape()
	in := make([]tensor.Shape, 0, len(tables)+1)
	for _, t := range tables {
		in = append(in, t.Shape())
	}
	in = append(in, osh)
	nt := len(tables)
	diff := make([]bool, nt+1)
	diff[nt] = true
	return apply(&kop{name: "Gather(" + label + ")", in: in, out: osh.Clone(),
		fwd: func(out []float32, vals [][]float32) error {
			n := osh[0]
			c := len(out) / n
			for t, tab := range vals[:nt] {
				rows := len(tab) / c
				for k := range n {
					r := int(idx[t](k))
					if r < 0 || r >= rows {
						return fmt.Errorf("table %d: index %d at position %d outside [0,%d)", t, r, k, rows)
					}
					d := out[k*c : k*c+c]
					for j, v := range tab[r*c : r*c+c] {
						d[j] += v
					}
				}
			}
			return nil
		},
		diff: diff,
		grad: func(_ G.Nodes, _, dy *G.Node) (G.Nodes, error) {
			g := make(G.Nodes, nt+1)
			g[nt] = dy
			return g, nil
		},
	}, append(append(G.Nodes{}, tables...), slot)...)
}
