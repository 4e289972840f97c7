package ncf

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/trainer"
)

// Name is the registered model name.
const Name = "ncf"

// Net is the net section of an NCF config.
type Net struct {
	GMFDim  int     `yaml:"gmf_dim" json:"gmf_dim"` // GMF embedding width
	MLPDim  int     `yaml:"mlp_dim" json:"mlp_dim"` // MLP embedding width (per side)
	Tower   []int   `yaml:"tower" json:"tower"`     // MLP hidden layer widths, e.g. [64, 32, 16]
	InitStd float64 `yaml:"init_std" json:"init_std"`
}

// DefaultNet is the net used for every field a config does not set: the widths that
// configs/ncf.yaml chose on validation RMSE.
func DefaultNet() *Net { return &Net{GMFDim: 8, MLPDim: 8, Tower: []int{16, 8}, InitStd: 0.01} }

// NotesNet is the wider net of notes/gorgonia.md's throughput table (embeddings 32,
// tower 64-32-16), kept for the benchmark.
func NotesNet() *Net { return &Net{GMFDim: 32, MLPDim: 32, Tower: []int{64, 32, 16}, InitStd: 0.01} }

func (n *Net) validate() error {
	if n.GMFDim < 1 || n.MLPDim < 1 || len(n.Tower) == 0 || slices.Min(n.Tower) < 1 || !(n.InitStd > 0) {
		return fmt.Errorf("%w: ncf net %+v: every width must be ≥ 1, the tower non-empty, init_std > 0", trainer.ErrConfig, *n)
	}
	return nil
}

func init() {
	trainer.Register(trainer.NewSpec(Name, DefaultNet, New, Decode))
}

// NCF is the model: its vocabularies, its parameters, and (when training) its graphs.
type NCF struct {
	net   Net
	users map[int32]int32 // MovieLens id → row
	items map[int32]int32
	// Parameters, in Params() order.
	bias           *trainer.Param // 1×1 global bias, initialised to the train mean
	ub, ib         *trainer.Param // user and item biases (sparse n×1)
	ug, ig, um, im *trainer.Param // GMF and MLP embeddings (sparse)
	w1u, w1i       *trainer.Param // first tower layer, split by side (no concatenation)
	layers         []*trainer.Param
	hg, hm         *trainer.Param // final linear layer, split by branch
	params         []*trainer.Param
	train          []ratings.Rating // training rows (Examples)
	tu, ti         []int32          // their user and item rows
	graphs         map[int]*graph   // by batch size
}

// New builds an untrained NCF over the users and items of train, initialised from seed.
func New(net *Net, train []ratings.Rating, seed uint64) (*NCF, error) {
	if err := net.validate(); err != nil {
		return nil, err
	}
	if len(train) == 0 {
		return nil, fmt.Errorf("ncf: %w", scoring.ErrNoTrain)
	}
	m := &NCF{net: *net, users: map[int32]int32{}, items: map[int32]int32{}, train: train, graphs: map[int]*graph{}}
	m.tu, m.ti = make([]int32, len(train)), make([]int32, len(train))
	var mean float64
	for k, r := range train {
		if !ratings.ValidRating(float64(r.Rating)) {
			return nil, fmt.Errorf("ncf: train row %d %+v: %w", k, r, ratings.ErrRating)
		}
		m.tu[k] = vocab(m.users, r.User)
		m.ti[k] = vocab(m.items, r.Item)
		mean += float64(r.Rating)
	}
	m.alloc(len(m.users), len(m.items))
	rng := rand.New(rand.NewPCG(seed, 0x6e6366))
	m.bias.Value[0] = float32(mean / float64(len(train)))
	for _, p := range []*trainer.Param{m.ug, m.ig, m.um, m.im} {
		for j := range p.Value {
			p.Value[j] = float32(rng.NormFloat64() * net.InitStd)
		}
	}
	for _, p := range m.params {
		if !p.Sparse && p.Shape[0] > 1 { // weight matrices and output vectors: He-uniform
			lim := math.Sqrt(6 / float64(p.Shape[0]))
			for j := range p.Value {
				p.Value[j] = float32((rng.Float64()*2 - 1) * lim)
			}
		}
	}
	return m, nil
}

func vocab(v map[int32]int32, id int32) int32 {
	r, ok := v[id]
	if !ok {
		r = int32(len(v))
		v[id] = r
	}
	return r
}

// alloc creates the parameters for nu users and ni items (values zero).
func (m *NCF) alloc(nu, ni int) {
	n := m.net
	m.bias = trainer.NewParam("bias", false, 1)
	m.ub = trainer.NewParam("user_bias", true, nu, 1)
	m.ib = trainer.NewParam("item_bias", true, ni, 1)
	m.ug = trainer.NewParam("user_gmf", true, nu, n.GMFDim)
	m.ig = trainer.NewParam("item_gmf", true, ni, n.GMFDim)
	m.um = trainer.NewParam("user_mlp", true, nu, n.MLPDim)
	m.im = trainer.NewParam("item_mlp", true, ni, n.MLPDim)
	m.w1u = trainer.NewParam("tower0_w_user", false, n.MLPDim, n.Tower[0])
	m.w1i = trainer.NewParam("tower0_w_item", false, n.MLPDim, n.Tower[0])
	m.layers = []*trainer.Param{trainer.NewParam("tower0_b", false, 1, n.Tower[0])}
	for l := 1; l < len(n.Tower); l++ {
		m.layers = append(m.layers,
			trainer.NewParam(fmt.Sprintf("tower%d_w", l), false, n.Tower[l-1], n.Tower[l]),
			trainer.NewParam(fmt.Sprintf("tower%d_b", l), false, 1, n.Tower[l]))
	}
	m.hg = trainer.NewParam("out_gmf", false, n.GMFDim)
	m.hm = trainer.NewParam("out_mlp", false, n.Tower[len(n.Tower)-1])
	m.params = append([]*trainer.Param{m.bias, m.ub, m.ib, m.ug, m.ig, m.um, m.im, m.w1u, m.w1i}, m.layers...)
	m.params = append(m.params, m.hg, m.hm)
}

func (m *NCF) Name() string             { return Name }
func (m *NCF) Params() []*trainer.Param { return m.params }
func (m *NCF) Examples() int            { return len(m.train) }

// DescribeBatch returns the batch's training rows as CSV lines (for the debug state).
func (m *NCF) DescribeBatch(ex []int) any {
	rows := make([]string, len(ex))
	for k, e := range ex {
		rows[k] = strings.TrimSuffix(string(ratings.AppendCSV(nil, m.train[e])), "\n")
	}
	return rows
}

// Predict scores rows from the parameters (the history is not used: NCF is static).
func (m *NCF) Predict(ctx context.Context, hist *scoring.History, rows []ratings.Rating) ([]float32, error) {
	out := make([]float32, len(rows))
	if len(rows) < predictParallelMin {
		m.predictRows(rows, out)
		return out, nil
	}
	// Each row's score is its own arithmetic: the second half on a second core.
	h := len(rows) / 2
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.predictRows(rows[h:], out[h:])
	}()
	m.predictRows(rows[:h], out[:h])
	<-done
	return out, nil
}

// predictParallelMin is the number of rows from which Predict uses two cores.
var predictParallelMin = 20_000

// predictRows scores rows into out with a scratch of its own.
func (m *NCF) predictRows(rows []ratings.Rating, out []float32) {
	s := newScratch(&m.net)
	for k, r := range rows {
		u, uok := m.users[r.User]
		i, iok := m.items[r.Item]
		out[k] = clamp(m.score(s, u, i, uok, iok))
	}
}

func clamp(v float32) float32 { return min(max(v, scoring.MinRating), scoring.MaxRating) }

type scratch struct{ a, b []float32 }

func newScratch(n *Net) *scratch {
	w := max(slices.Max(n.Tower), n.GMFDim)
	return &scratch{a: make([]float32, w), b: make([]float32, w)}
}

// score is the forward pass of one row in plain Go, the same arithmetic as the graph.
func (m *NCF) score(s *scratch, u, i int32, uok, iok bool) float32 {
	if !uok {
		y := m.bias.Value[0]
		if iok {
			y += m.ib.Value[i]
		}
		return y
	}
	return m.scoreUser(s, m.ub.Value[u], m.ug.Row(u), m.um.Row(u), i, iok)
}

// scoreUser is score with the user's parameters given: bias ub, GMF embedding pu and
// MLP embedding um (a fold-in's).
func (m *NCF) scoreUser(s *scratch, ub float32, pu, um []float32, i int32, iok bool) float32 {
	y := m.bias.Value[0] + ub
	if !iok {
		return y
	}
	y += m.ib.Value[i]
	qi := m.ig.Row(i)
	for j := range pu {
		y += pu[j] * qi[j] * m.hg.Value[j]
	}
	// Tower layer 0: relu(um·W1u + im·W1i + b).
	h := s.a[:m.net.Tower[0]]
	copy(h, m.layers[0].Value)
	matVecAdd(h, um, m.w1u.Value)
	matVecAdd(h, m.im.Row(i), m.w1i.Value)
	relu(h)
	for l := 1; l < len(m.net.Tower); l++ {
		nh := s.b[:m.net.Tower[l]]
		copy(nh, m.layers[2*l].Value)
		matVecAdd(nh, h, m.layers[2*l-1].Value)
		relu(nh)
		h, s.a, s.b = nh, s.b, s.a
	}
	for j, v := range h {
		y += v * m.hm.Value[j]
	}
	return y
}

// matVecAdd adds x·W to dst for a row-major W of len(x) × len(dst).
func matVecAdd(dst, x, w []float32) {
	n := len(dst)
	for k, xv := range x {
		row := w[k*n : (k+1)*n]
		for j := range dst {
			dst[j] += xv * row[j]
		}
	}
}

func relu(v []float32) {
	for j, x := range v {
		if x < 0 {
			v[j] = 0
		}
	}
}
