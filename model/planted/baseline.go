package planted

import (
	"context"
	"fmt"
	"math"

	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/scoring"
)

// FeatureBaseline is the oracle-feature baseline of a shape: a bias model told the
// form of the planted effect, which fits only its size on train. It is the bar a model
// that captures the effect should reach. A row of user u at time t is predicted as
//
//	μ + b_i + c·f(t) + Σ_h w(t − t_h)·(r_h − μ − b_i(h) − c·f(t_h)) / (prior + Σ_h w(t − t_h))
//
// over the user's ratings h strictly before t, where f is the shape's feature computed
// from the history (Gap: GapOffset of the gap to the previous rating; Return: the
// decayed boost since the last return) and w is 1. For Drift there is no feature and
// the user term is the Kalman filter of a random walk observed with noise over the
// same residuals. μ, b_i and c are fitted on train by alternating least squares; the
// prior (Drift: the walk and noise variances) are chosen on train.
func FeatureBaseline(shape Shape, train []ratings.Rating) (scoring.Predictor, error) {
	switch shape {
	case Gap, Return, Drift:
	default:
		return nil, fmt.Errorf("%w %q", ErrShape, shape)
	}
	hist := scoring.NewHistory(train)
	var cands []*featureBias
	for _, prior := range []float64{2, 5, 15} {
		if shape != Drift {
			cands = append(cands, &featureBias{shape: shape, prior: prior})
		}
	}
	if shape == Drift {
		for _, q := range []float64{0.1, 0.25, 0.5, 1} {
			for _, r := range []float64{0.1, 0.15, 0.25} {
				for _, p0 := range []float64{0.05, 0.15, 0.3} {
					cands = append(cands, &featureBias{shape: shape, walk: q / Year, noise: r, p0: p0})
				}
			}
		}
	}
	var best *featureBias
	bestSE := math.Inf(1)
	for _, m := range cands {
		se, err := m.fit(train, hist)
		if err != nil {
			return nil, err
		}
		if se < bestSE {
			best, bestSE = m, se
		}
	}
	return best, nil
}

// featureBias is the model of FeatureBaseline.
type featureBias struct {
	shape Shape
	prior float64 // Gap, Return: the user bias's shrinkage
	// Drift: the Kalman filter of a random walk (variance walk per second) observed with
	// noise variance noise, starting from variance p0.
	walk, noise, p0 float64
	mean            float64
	item            map[int32]float64
	coef            float64
}

func (m *featureBias) Name() string { return "oracle-feature-" + string(m.shape) }

// fit fits μ, b_i and c on train (three rounds) and returns the squared error on train.
func (m *featureBias) fit(train []ratings.Rating, hist *scoring.History) (float64, error) {
	feat := make([]float64, len(train))
	if m.shape != Drift {
		for i, r := range train {
			feat[i] = m.feature(hist.Before(r.User, r.Time), r.Time)
		}
	}
	adj := make([]ratings.Rating, len(train))
	var se float64
	for range 3 {
		for i, r := range train {
			adj[i] = r
			adj[i].Rating = r.Rating - float32(m.coef*feat[i])
		}
		uib, err := scoring.FitUserItemBias(adj, scoring.DefaultItemLambda, scoring.DefaultUserLambda, scoring.DefaultBiasRounds)
		if err != nil {
			return 0, err
		}
		m.mean, m.item = uib.Mean, uib.Item
		if m.shape == Drift {
			break
		}
		// c by least squares on what the feature-free part leaves.
		var num, den float64
		for i, r := range train {
			rest := float64(r.Rating) - m.mean - m.item[r.Item] - m.userBias(hist.Before(r.User, r.Time), r.Time)
			num += feat[i] * rest
			den += feat[i] * feat[i]
		}
		if den > 0 {
			m.coef = num / den
		}
	}
	pred, err := m.Predict(context.Background(), hist, train)
	if err != nil {
		return 0, err
	}
	for i, r := range train {
		d := float64(pred[i] - r.Rating)
		se += d * d
	}
	return se, nil
}

// feature is the shape's term per unit of effect for a row at t whose user's history
// before t is before.
func (m *featureBias) feature(before []scoring.Interaction, t int64) float64 {
	if len(before) == 0 {
		return 0
	}
	switch m.shape {
	case Gap:
		return GapOffset(t - before[len(before)-1].Time)
	case Return:
		returned := int64(-1)
		for j := 1; j < len(before); j++ {
			if before[j].Time-before[j-1].Time >= ReturnGap {
				returned = before[j].Time
			}
		}
		if t-before[len(before)-1].Time >= ReturnGap {
			returned = t
		}
		if returned < 0 {
			return 0
		}
		return math.Exp(-float64(t-returned) / ReturnDecay)
	}
	return 0
}

// userBias estimates the user's level at t from the feature-adjusted residuals of
// before: their shrunk mean, or for Drift the Kalman filter's mean.
func (m *featureBias) userBias(before []scoring.Interaction, t int64) float64 {
	if m.shape == Drift {
		mu, p, last := 0.0, m.p0, int64(-1)
		for _, h := range before {
			if last >= 0 {
				p += m.walk * float64(h.Time-last)
			}
			k := p / (p + m.noise)
			mu += k * (float64(h.Rating) - m.mean - m.item[h.Item] - mu)
			p *= 1 - k
			last = h.Time
		}
		return mu
	}
	var num float64
	for j, h := range before {
		num += float64(h.Rating) - m.mean - m.item[h.Item] - m.coef*m.feature(before[:j], h.Time)
	}
	return num / (m.prior + float64(len(before)))
}

func (m *featureBias) Predict(ctx context.Context, hist *scoring.History, rows []ratings.Rating) ([]float32, error) {
	out := make([]float32, len(rows))
	for i, r := range rows {
		before := hist.Before(r.User, r.Time)
		v := m.mean + m.item[r.Item] + m.coef*m.feature(before, r.Time) + m.userBias(before, r.Time)
		out[i] = float32(min(max(v, scoring.MinRating), scoring.MaxRating))
	}
	return out, nil
}
