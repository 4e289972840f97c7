package ss4rec

import (
	"context"
	"fmt"
	"slices"

	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/kernels"
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/trainer"
)

// Name is the model's registry name.
const Name = "ss4rec"

func init() {
	trainer.Register(trainer.NewSpec(Name, DefaultNet, New, Decode))
}

// Model is SS4Rec: a trainer.Trainable for the shared trainer, and a scoring.Predictor.
// A training example is one window of a user's training sequence.
type Model struct {
	cfg     Net
	vocab   vocab
	net     *net
	Backend kernels.Backend // scan kernels used in training (default kernels.CPU{})

	windows windowSet // training examples (none for a decoded model)
	b       batch
	ws      []window
	graphs  map[int]*graph // training graphs by windows per batch
}

var _ trainer.Trainable = (*Model)(nil)

// New builds an untrained SS4Rec over the items and user sequences of train,
// initialised from seed.
func New(cfg *Net, train []ratings.Rating, seed uint64) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(train) == 0 {
		return nil, fmt.Errorf("ss4rec: %w", scoring.ErrNoTrain)
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
	hist := scoring.NewHistory(train)
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
func (m *Model) Params() []*trainer.Param { return m.net.params }

// Examples is the number of training windows.
func (m *Model) Examples() int { return m.windows.len() }

// Step runs forward and backward on the windows of b (dropout seeded by b.Seed)
// through the gorgonia graph of the batch's shape (graph.go) and leaves the gradient
// of the mean squared error over their targets in the params. The graph captures
// Backend when it is first built for a batch shape.
func (m *Model) Step(ctx context.Context, b trainer.Batch) (trainer.Loss, error) {
	if err := ctx.Err(); err != nil {
		return trainer.Loss{}, err
	}
	m.loadBatch(b)
	return m.graphStep(b.Seed)
}

// loadBatch puts the windows of b into m.b.
func (m *Model) loadBatch(b trainer.Batch) {
	m.ws = m.ws[:0]
	for _, i := range b.Examples {
		m.ws = append(m.ws, m.windows.at(i))
	}
	makeBatch(m.ws, m.cfg.MaxSeqLen, &m.b)
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
		if i >= 0 && i < m.windows.len() {
			win := m.windows.at(i)
			targets := make([]float32, len(win.tRates))
			for k, r := range win.tRates {
				targets[k] = float32(r) / 2
			}
			out = append(out, w{Positions: len(win.items), Items: win.items, Targets: targets})
		}
	}
	return out
}
