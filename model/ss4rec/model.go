package ss4rec

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model"
	"github.com/recpipe/recpipe/model/kernels"
)

// Name is the model's registry name.
const Name = "ss4rec"

func init() {
	model.Register(model.NewSpec(Name, DefaultNet, New, Decode))
}

// Model is SS4Rec: a model.Trainable for the shared trainer, and a model.Predictor.
// A training example is one window of a user's training sequence.
type Model struct {
	cfg     Net
	vocab   vocab
	net     *net
	Backend kernels.Backend // scan kernels used in training (default kernels.CPU{})

	windows []window // training examples (nil for a decoded model)
	ps      *pass
	sc      grads
	b       batch
	ws      []window
	dpred   []float32
	graphs  map[int]*graph // training graphs by windows per batch (engine graph)
}

var _ model.Trainable = (*Model)(nil)

// New builds an untrained SS4Rec over the items and user sequences of train,
// initialised from seed.
func New(cfg *Net, train []ratings.Rating, seed uint64) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(train) == 0 {
		return nil, fmt.Errorf("ss4rec: %w", model.ErrNoTrain)
	}
	var sum float64
	for k, r := range train {
		if !ratings.ValidRating(float64(r.Rating)) {
			return nil, fmt.Errorf("ss4rec: train row %d %+v: %w", k, r, ratings.ErrRating)
		}
		sum += float64(r.Rating)
	}
	v := newVocab(train)
	n := newNet(*cfg, len(v.ids))
	n.init(seed)
	n.mu = float32(sum / float64(len(train)))
	m := &Model{cfg: *cfg, vocab: v, net: n, Backend: kernels.CPU{}}
	hist := model.NewHistory(train)
	users := map[int32]bool{}
	for _, r := range train {
		users[r.User] = true
	}
	us := make([]int32, 0, len(users))
	for u := range users {
		us = append(us, u)
	}
	slices.Sort(us)
	m.windows = buildWindows(*cfg, v, hist, us)
	return m, nil
}

// Name returns "ss4rec".
func (m *Model) Name() string { return Name }

// Net returns the model's net section.
func (m *Model) Net() Net { return m.cfg }

// Params returns the trainable tensors in a fixed order.
func (m *Model) Params() []*model.Param { return m.net.params }

// Examples is the number of training windows.
func (m *Model) Examples() int { return len(m.windows) }

// Step runs forward and backward on the windows of b (dropout seeded by b.Seed) and
// leaves the gradient of the mean squared error over their targets in the params, on
// the engine Net.Engine names (the graph unless "plain"). The graph engine captures
// Backend when it first builds a batch shape's graph.
func (m *Model) Step(ctx context.Context, b model.Batch) (model.Loss, error) {
	if err := ctx.Err(); err != nil {
		return model.Loss{}, err
	}
	if m.ps == nil {
		m.ps = newPass(m.net, m.Backend)
	}
	m.ws = m.ws[:0]
	for _, i := range b.Examples {
		m.ws = append(m.ws, m.windows[i])
	}
	makeBatch(m.ws, m.cfg.MaxSeqLen, &m.b)
	if m.cfg.Engine != EnginePlain {
		return m.graphStep(b.Seed)
	}
	pred := m.ps.forward(&m.b, true, rand.New(rand.NewPCG(b.Seed, 0xd0)))
	nT := len(pred)
	m.dpred = grow(m.dpred, nT)
	var loss model.Loss
	for k, y := range pred {
		d := float64(y) - float64(m.b.tRating[k])
		loss.SumSq += d * d
		m.dpred[k] = float32(2 * d / float64(max(nT, 1)))
	}
	loss.Count = nT
	m.ps.backward(m.dpred, &m.sc)
	return loss, nil
}

// DescribeBatch lists, for the debug state of a failed step, each window's length
// and targets.
func (m *Model) DescribeBatch(examples []int) any {
	type w struct {
		Positions int       `json:"positions"`
		Items     []int32   `json:"items"`
		Targets   []float32 `json:"target_ratings"`
	}
	var out []w
	for _, i := range examples {
		if i >= 0 && i < len(m.windows) {
			win := m.windows[i]
			out = append(out, w{Positions: len(win.items), Items: win.items, Targets: win.tRating})
		}
	}
	return out
}
