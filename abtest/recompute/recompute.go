package recompute

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/recpipe/recpipe/abtest"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/ratings"
	_ "github.com/recpipe/recpipe/model/all" // decode any saved model
	"github.com/recpipe/recpipe/model/scoring"
)

// Tolerance is the largest absolute difference allowed between a written figure and
// its recomputation (both are float64 sums over the same float32 predictions).
const Tolerance = 1e-9

// Arm is one arm's cumulative RMSE as written and as recomputed.
type Arm struct {
	Name, Role           string
	RMSE, RecomputedRMSE float64
}

// Check recomputes the cumulative figures of abtest/summary.json and every evaluated
// day's result in b. It returns the arms' cumulative RMSEs and an error joining every
// figure that differs from its recomputation by more than Tolerance. The arms named in
// skip are not checked: a deployed arm (docs/design.md §Decisions and why, models are
// versioned) is scored by per-day versions that Check does not rebuild.
func Check(ctx context.Context, b blob.Bucket, skip ...string) ([]Arm, error) {
	var sum abtest.Summary
	if err := blob.ReadJSON(ctx, b, layout.ABSummary, &sum); err != nil {
		return nil, fmt.Errorf("recompute: %w", err)
	}
	if sum.Cumulative == nil {
		return nil, errors.New("recompute: abtest/summary.json has no cumulative view")
	}
	r := reader{ctx: ctx, b: b}
	train, val := r.csv(layout.Prepared(sum.Dataset, layout.TrainName)), r.csv(layout.Prepared(sum.Dataset, layout.ValName))
	preds, err := r.predictors(sum, train, val)
	if err != nil || r.err != nil {
		return nil, errors.Join(err, r.err)
	}
	var bad []error
	se := make([]float64, len(preds))
	var rows float64
	var p10, n10 [2][]float64
	for _, dt := range sum.Days {
		if !dt.InCumulative {
			continue
		}
		var res abtest.Result
		if err := blob.ReadJSON(ctx, b, layout.ABResult(layout.Day(dt.Day)), &res); err != nil {
			return nil, fmt.Errorf("recompute: %w", err)
		}
		sets := [][]ratings.Rating{train, val}
		for _, h := range res.HistoryDays {
			sets = append(sets, r.csv(layout.Batch(layout.Day(h))))
		}
		day := r.csv(layout.Batch(layout.Day(dt.Day)))
		if r.err != nil {
			return nil, r.err
		}
		hist := scoring.NewHistory(sets...)
		for i, p := range preds {
			if slices.Contains(skip, p.Name()) {
				continue
			}
			out, err := p.Predict(ctx, hist, day)
			if err != nil {
				return nil, fmt.Errorf("recompute: day %d %s: %w", dt.Day, p.Name(), err)
			}
			if i >= len(res.Metrics) || res.Metrics[i].Name != p.Name() {
				return nil, fmt.Errorf("recompute: day %d: metrics[%d] is not %s", dt.Day, i, p.Name())
			}
			dse, dae := sqAbsErr(day, out)
			n := float64(len(day))
			if m := res.Metrics[i]; !near(m.RMSE, math.Sqrt(dse/n)) || !near(m.MAE, dae/n) {
				bad = append(bad, fmt.Errorf("day %d %s: RMSE %v MAE %v, recomputed %v %v", dt.Day, m.Name, m.RMSE, m.MAE, math.Sqrt(dse/n), dae/n))
			}
			se[i] += dse
			if i < 2 {
				p, g := plainRanking(day, out)
				p10[i], n10[i] = append(p10[i], p...), append(n10[i], g...)
			}
		}
		rows += float64(len(day))
	}
	var arms []Arm
	for i, m := range sum.Cumulative.Metrics {
		if i >= len(se) {
			break
		}
		if slices.Contains(skip, m.Name) {
			continue
		}
		want := math.Sqrt(se[i] / rows)
		arms = append(arms, Arm{Name: m.Name, Role: m.Role, RMSE: m.RMSE, RecomputedRMSE: want})
		if !near(m.RMSE, want) {
			bad = append(bad, fmt.Errorf("cumulative %s RMSE %v, recomputed %v", m.Name, m.RMSE, want))
		}
		if i < 2 {
			if got, want := m.Ranking["precision@10"], mean(p10[i]); !near(got, want) {
				bad = append(bad, fmt.Errorf("cumulative %s P@10 %v, recomputed %v", m.Name, got, want))
			}
			if got, want := m.Ranking["ndcg@10"], mean(n10[i]); !near(got, want) {
				bad = append(bad, fmt.Errorf("cumulative %s NDCG@10 %v, recomputed %v", m.Name, got, want))
			}
		}
	}
	if rows == 0 {
		bad = append(bad, errors.New("no evaluated day in the cumulative view"))
	}
	return arms, errors.Join(bad...)
}

// reader reads CSVs of the bucket, keeping the first error.
type reader struct {
	ctx context.Context
	b   blob.Bucket
	err error
}

func (r *reader) csv(key string) []ratings.Rating {
	if r.err != nil {
		return nil
	}
	data, err := blob.ReadAll(r.ctx, r.b, key)
	if err != nil {
		r.err = fmt.Errorf("recompute: %w", err)
		return nil
	}
	rows, err := ratings.ReadAll(bytes.NewReader(data), key)
	if err != nil {
		r.err = fmt.Errorf("recompute: %w", err)
	}
	return rows
}

// predictors loads arms A and B and fits the baselines on train, tuned on val, in the
// summary's order; the tuning must choose what the summary records.
func (r *reader) predictors(sum abtest.Summary, train, val []ratings.Rating) ([]scoring.Predictor, error) {
	if r.err != nil {
		return nil, r.err
	}
	base, tuning, err := scoring.TunedBaselines(r.ctx, train, val)
	if err != nil {
		return nil, fmt.Errorf("recompute: baselines: %w", err)
	}
	if !reflect.DeepEqual(tuning, sum.Cumulative.BaselineTuning) {
		return nil, fmt.Errorf("recompute: the baselines' tuning %+v differs from the summary's %+v", tuning, sum.Cumulative.BaselineTuning)
	}
	load := func(spec string) (scoring.Predictor, error) {
		if name, ok := strings.CutPrefix(spec, abtest.BaselinePrefix); ok {
			for _, p := range base {
				if p.Name() == name {
					return p, nil
				}
			}
			return nil, fmt.Errorf("recompute: unknown baseline %s", spec)
		}
		p, _, err := scoring.LoadPredictor(r.ctx, r.b, spec)
		return p, err
	}
	a, err := load(sum.Models.A.Spec)
	if err != nil {
		return nil, err
	}
	b, err := load(sum.Models.B.Spec)
	if err != nil {
		return nil, err
	}
	return append([]scoring.Predictor{a, b}, base...), nil
}

func sqAbsErr(rows []ratings.Rating, pred []float32) (se, ae float64) {
	for j, r := range rows {
		e := float64(pred[j]) - float64(r.Rating)
		se += e * e
		ae += math.Abs(e)
	}
	return se, ae
}

func near(a, b float64) bool { return math.Abs(a-b) <= Tolerance }

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// plainRanking computes Precision@10 and NDCG@10 (binary gains) per user with a
// relevant row, written out without the package's helpers.
func plainRanking(rows []ratings.Rating, pred []float32) (p10, ndcg10 []float64) {
	byUser := map[int32][]int{}
	for i, r := range rows {
		byUser[r.User] = append(byUser[r.User], i)
	}
	for _, idx := range byUser {
		rel := 0
		for _, i := range idx {
			if rows[i].Rating >= 4 {
				rel++
			}
		}
		if rel == 0 {
			continue
		}
		sort.Slice(idx, func(a, b int) bool {
			if pred[idx[a]] != pred[idx[b]] {
				return pred[idx[a]] > pred[idx[b]]
			}
			return rows[idx[a]].Item < rows[idx[b]].Item
		})
		var hits, dcg, idcg float64
		for k := 0; k < 10 && k < len(idx); k++ {
			if rows[idx[k]].Rating >= 4 {
				hits++
				dcg += 1 / math.Log2(float64(k)+2)
			}
			if k < rel {
				idcg += 1 / math.Log2(float64(k)+2)
			}
		}
		p10, ndcg10 = append(p10, hits/10), append(ndcg10, dcg/idcg)
	}
	return p10, ndcg10
}
