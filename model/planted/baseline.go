package planted

import (
	"context"
	"fmt"
	"math"
	"slices"

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
// the user term adds to that mean a deviation tracked by the Kalman filter of a
// mean-reverting process over what it leaves of the residuals. μ, b_i and c are
// fitted on train by alternating least squares; the prior (Drift: the reversion time
// and spread) are chosen on train.
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
		for _, T := range []float64{7 * Day, 30 * Day, 90 * Day, Year} {
			cands = append(cands, driftCands(shape, false, T)...)
		}
	}
	return bestOnTrain(cands, train, hist)
}

// BlindFeatureBaseline is FeatureBaseline without the times: for Gap and Return the
// history-aware bias with its prior chosen on train (no feature), for Drift the
// deviation's filter reverting per rating rather than per unit of time. When it comes
// within 10% of FeatureBaseline the data do not need time to be predicted.
func BlindFeatureBaseline(shape Shape, train []ratings.Rating) (scoring.Predictor, error) {
	if !slices.Contains(Shapes, shape) {
		return nil, fmt.Errorf("%w %q", ErrShape, shape)
	}
	var cands []*featureBias
	if shape == Drift {
		for _, K := range []float64{1, 3, 10, 30} {
			cands = append(cands, driftCands(shape, true, K)...)
		}
	} else {
		for _, prior := range []float64{1, 2, 5, 15} {
			cands = append(cands, &featureBias{shape: shape, blind: true, prior: prior})
		}
	}
	return bestOnTrain(cands, train, scoring.NewHistory(train))
}

// driftCands are Drift's candidates of reversion time (seconds, or ratings when
// blind) over a grid of the deviation's spread and the user mean's shrinkage.
func driftCands(shape Shape, blind bool, scale float64) []*featureBias {
	var out []*featureBias
	for _, prior := range []float64{2, 5} {
		for _, sd := range []float64{0.5, 0.7, 1} {
			out = append(out, &featureBias{shape: shape, blind: blind, prior: prior, decay: scale, devSD: sd})
		}
	}
	return out
}

// bestOnTrain fits every candidate and returns the one with the least squared error
// on train.
func bestOnTrain(cands []*featureBias, train []ratings.Rating, hist *scoring.History) (*featureBias, error) {
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
	blind bool    // no times: no feature; Drift's weights by ratings back
	prior float64 // the user mean's shrinkage
	// Drift: the deviation from the user's mean is tracked by the Kalman filter of a
	// mean-reverting deviation of spread devSD and reversion time decay (seconds, or
	// ratings when blind), observed with the rating noise.
	decay, devSD float64
	mean         float64
	item         map[int32]float64
	coef         float64
}

func (m *featureBias) Name() string {
	if m.blind {
		return "time-blind-feature-" + string(m.shape)
	}
	return "oracle-feature-" + string(m.shape)
}

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
	if len(before) == 0 || m.blind {
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
		var sum float64
		for _, h := range before {
			sum += float64(h.Rating) - m.mean - m.item[h.Item]
		}
		bu := sum / (m.prior + float64(len(before)))
		const noise = 0.35*0.35 + 1.0/48 // the planted noise and the half-star rounding
		dev, v := 0.0, m.devSD*m.devSD
		for j, h := range before {
			if j > 0 {
				a := math.Exp(-1 / m.decay)
				if !m.blind {
					a = math.Exp(-float64(h.Time-before[j-1].Time) / m.decay)
				}
				dev, v = a*dev, a*a*v+m.devSD*m.devSD*(1-a*a)
			}
			k := v / (v + noise)
			dev += k * (float64(h.Rating) - m.mean - m.item[h.Item] - bu - dev)
			v *= 1 - k
		}
		if n := len(before); n > 0 {
			a := math.Exp(-1 / m.decay)
			if !m.blind {
				a = math.Exp(-float64(t-before[n-1].Time) / m.decay)
			}
			dev *= a
		}
		return bu + dev
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
