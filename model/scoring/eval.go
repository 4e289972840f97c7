package scoring

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/recpipe/recpipe/internal/ratings"
)

// Scores are the rating-error metrics of a predictor on a set of rows.
type Scores struct {
	RMSE float64 `json:"rmse"`
	MAE  float64 `json:"mae"`
	N    int     `json:"n"`
}

// SplitScores are Scores on all rows and on warm and cold rows apart: a row is warm
// when both its user and its item were seen in train, cold otherwise.
type SplitScores struct {
	All  Scores `json:"all"`
	Warm Scores `json:"warm"`
	Cold Scores `json:"cold"`
}

// ErrNonFinite: a NaN or Inf where a number was needed (a prediction, a loss, a
// gradient or a parameter).
var ErrNonFinite = errors.New("non-finite value")

// RowScores scores the predictions pred of rows (one per row, in order).
func RowScores(pred []float32, rows []ratings.Rating) Scores { return score(pred, rows, nil) }

// score computes Scores over rows where keep (nil: all) is true.
// An empty selection has N = 0 and zero errors.
func score(pred []float32, rows []ratings.Rating, keep func(int) bool) Scores {
	var se, ae float64
	n := 0
	for i, r := range rows {
		if keep != nil && !keep(i) {
			continue
		}
		d := float64(pred[i]) - float64(r.Rating)
		se += d * d
		ae += math.Abs(d)
		n++
	}
	if n == 0 {
		return Scores{}
	}
	return Scores{RMSE: math.Sqrt(se / float64(n)), MAE: ae / float64(n), N: n}
}

// Known is the set of users and items seen in train.
type Known struct {
	Users, Items map[int32]bool
}

// NewKnown indexes the users and items of train.
func NewKnown(train []ratings.Rating) *Known {
	k := &Known{Users: map[int32]bool{}, Items: map[int32]bool{}}
	for _, r := range train {
		k.Users[r.User] = true
		k.Items[r.Item] = true
	}
	return k
}

// Warm reports whether r's user and item were both seen in train.
func (k *Known) Warm(r ratings.Rating) bool { return k.Users[r.User] && k.Items[r.Item] }

// Evaluate scores p on rows (history hist) and splits the scores by k.
func Evaluate(ctx context.Context, p Predictor, hist *History, rows []ratings.Rating, k *Known) (SplitScores, error) {
	pred, err := p.Predict(ctx, hist, rows)
	if err != nil {
		return SplitScores{}, fmt.Errorf("evaluate %s: %w", p.Name(), err)
	}
	if len(pred) != len(rows) {
		return SplitScores{}, fmt.Errorf("evaluate %s: %d predictions for %d rows", p.Name(), len(pred), len(rows))
	}
	for i, v := range pred {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return SplitScores{}, fmt.Errorf("evaluate %s: row %d (%+v): %w prediction %v", p.Name(), i, rows[i], ErrNonFinite, v)
		}
	}
	return SplitScores{
		All:  score(pred, rows, nil),
		Warm: score(pred, rows, func(i int) bool { return k.Warm(rows[i]) }),
		Cold: score(pred, rows, func(i int) bool { return !k.Warm(rows[i]) }),
	}, nil
}
