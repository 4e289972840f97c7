package scoring

import (
	"context"
	"errors"
	"fmt"

	"github.com/recpipe/recpipe/internal/ratings"
)

// The baselines of docs/design.md §Data protocol. Every model is read against them: a model that does not
// beat them has learned nothing worth its cost.
//
// All three predict on the MovieLens scale and clamp to [MinRating, MaxRating].

// Rating scale bounds; every prediction is clamped to them.
const (
	MinRating = 0.5
	MaxRating = 5.0
)

// Regularisation of the bias baselines. A bias is a shrunk mean of residuals:
// b = Σ residual / (λ + n), so an entity seen n ≪ λ times stays near 0 (the mean).
// The values are the usual ones for MovieLens (Koren 2010 uses λ≈10–25).
const (
	// DefaultItemLambda shrinks item biases.
	DefaultItemLambda = 10.0
	// DefaultUserLambda shrinks user biases (also the prior strength of the
	// history-aware user bias).
	DefaultUserLambda = 15.0
	// DefaultBiasRounds is the number of alternating least-squares rounds
	// (item biases given user biases, then user biases given item biases).
	DefaultBiasRounds = 5
)

// ErrNoTrain is returned by a Fit given no training rows.
var ErrNoTrain = errors.New("no training rows")

func clampRating(v float64) float32 {
	switch {
	case v < MinRating:
		return MinRating
	case v > MaxRating:
		return MaxRating
	}
	return float32(v)
}

// GlobalMean predicts the mean training rating for every row.
type GlobalMean struct{ Mean float64 }

// FitGlobalMean computes the mean rating of train.
func FitGlobalMean(train []ratings.Rating) (*GlobalMean, error) {
	if len(train) == 0 {
		return nil, fmt.Errorf("fit global mean: %w", ErrNoTrain)
	}
	var s float64
	for _, r := range train {
		s += float64(r.Rating)
	}
	return &GlobalMean{Mean: s / float64(len(train))}, nil
}

func (g *GlobalMean) Name() string { return "global-mean" }

func (g *GlobalMean) Predict(ctx context.Context, hist *History, rows []ratings.Rating) ([]float32, error) {
	out := make([]float32, len(rows))
	for i := range out {
		out[i] = clampRating(g.Mean)
	}
	return out, nil
}

// UserItemBias is the static bias model r̂ = μ + b_u + b_i, fitted on train by
// alternating least squares with ridge penalties ItemLambda and UserLambda.
// Users or items unseen in train get a zero bias.
type UserItemBias struct {
	Mean       float64
	ItemLambda float64
	UserLambda float64
	User       map[int32]float64
	Item       map[int32]float64
}

// FitUserItemBias fits the bias model on train with the given lambdas and rounds
// (pass the Default* constants for the documented baseline).
func FitUserItemBias(train []ratings.Rating, itemLambda, userLambda float64, rounds int) (*UserItemBias, error) {
	if len(train) == 0 {
		return nil, fmt.Errorf("fit user+item bias: %w", ErrNoTrain)
	}
	return indexRatings(train).fit(itemLambda, userLambda, rounds), nil
}

func (m *UserItemBias) Name() string { return "user-item-bias" }

func (m *UserItemBias) Predict(ctx context.Context, hist *History, rows []ratings.Rating) ([]float32, error) {
	out := make([]float32, len(rows))
	for i, r := range rows {
		out[i] = clampRating(m.Mean + m.User[r.User] + m.Item[r.Item])
	}
	return out, nil
}

// HistoryAwareBias keeps μ and the item biases of a UserItemBias fitted on train,
// and re-estimates the user bias for every scored row from that user's history
// strictly before the row's time (hist.Before), which may include validation and
// released rows:
//
//	b_u(t) = Σ_{(i,r) ∈ hist.Before(u,t)} (r − μ − b_i) / (Prior + n)
//
// Prior is the strength of a zero-mean prior on b_u (DefaultUserLambda pseudo-ratings
// at the mean): a user with no history before t gets b_u = 0.
type HistoryAwareBias struct {
	Base  *UserItemBias
	Prior float64
}

// FitHistoryAwareBias fits the item biases on train (through FitUserItemBias with the
// default lambdas and rounds) and uses prior for the per-row user bias.
func FitHistoryAwareBias(train []ratings.Rating, prior float64) (*HistoryAwareBias, error) {
	base, err := FitUserItemBias(train, DefaultItemLambda, DefaultUserLambda, DefaultBiasRounds)
	if err != nil {
		return nil, fmt.Errorf("fit history-aware bias: %w", err)
	}
	return &HistoryAwareBias{Base: base, Prior: prior}, nil
}

func (m *HistoryAwareBias) Name() string { return "history-aware-bias" }

func (m *HistoryAwareBias) Predict(ctx context.Context, hist *History, rows []ratings.Rating) ([]float32, error) {
	if hist == nil {
		return nil, errors.New("history-aware bias: nil history")
	}
	out := make([]float32, len(rows))
	if len(rows) < habParallelMin {
		m.predictUsers(hist, rows, out, 1, 0)
		return out, nil
	}
	// Each user's rows on one of two cores (by the user's parity): every row's
	// prediction is the same arithmetic, wherever it is computed.
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.predictUsers(hist, rows, out, 2, 1)
	}()
	m.predictUsers(hist, rows, out, 2, 0)
	<-done
	return out, nil
}

// habParallelMin is the number of rows from which HistoryAwareBias.Predict uses two cores.
var habParallelMin = 50_000

// predictUsers predicts into out the rows whose user is k modulo parts, with prefix
// sums of residuals per user built once.
func (m *HistoryAwareBias) predictUsers(hist *History, rows []ratings.Rating, out []float32, parts, k int32) {
	prefix := map[int32][]float64{}
	for i, r := range rows {
		if parts > 1 && (r.User%parts+parts)%parts != k {
			continue
		}
		ps, ok := prefix[r.User]
		if !ok {
			ps = residualPrefix(m.Base, hist.All(r.User))
			prefix[r.User] = ps
		}
		n := len(hist.Before(r.User, r.Time))
		bu := 0.0
		if n > 0 {
			bu = ps[n] / (m.Prior + float64(n))
		}
		out[i] = clampRating(m.Base.Mean + bu + m.Base.Item[r.Item])
	}
}

// Baselines fits the three baselines of docs/design.md §Baselines and the bar on train with the documented
// defaults, in a fixed order: global mean, user+item bias, history-aware bias.
func Baselines(train []ratings.Rating) ([]Predictor, error) {
	gm, err := FitGlobalMean(train)
	if err != nil {
		return nil, err
	}
	uib, err := FitUserItemBias(train, DefaultItemLambda, DefaultUserLambda, DefaultBiasRounds)
	if err != nil {
		return nil, err
	}
	return []Predictor{gm, uib, &HistoryAwareBias{Base: uib, Prior: DefaultUserLambda}}, nil
}
