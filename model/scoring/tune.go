package scoring

import (
	"context"
	"fmt"
	"math"

	"github.com/recpipe/recpipe/internal/ratings"
)

// The baselines are tuned like the models (docs/design.md §Models; README "Models and the evaluation protocol"): their
// hyper-parameters are chosen on validation RMSE under the history rule (history =
// train + validation, each validation row seeing only what precedes it), over a stated
// grid, and the choice is recorded in every output that scores them (Tuning).

// BiasLambdaGrid is the grid of the ridge penalties of the bias baselines (item λ and
// user λ of UserItemBias, which also fix the item biases HistoryAwareBias keeps).
var BiasLambdaGrid = []float64{1, 2, 5, 10, 15, 25, 50, 100}

// PriorGrid is the grid of HistoryAwareBias's prior strength on the per-row user bias.
var PriorGrid = []float64{1, 2, 5, 10, 15, 25, 50, 100}

// TuningMethod states how the baselines were tuned, in every output that records it.
const TuningMethod = "grid search on validation RMSE (history: train + validation, each validation row seeing only " +
	"the ratings strictly before it); user-item-bias: item_lambda x user_lambda; history-aware-bias: item_lambda x " +
	"user_lambda (its item biases) x prior; global-mean has no hyper-parameter. Ties go to the first candidate in " +
	"grid order; rounds fixed at 5."

// Tuning records one baseline's hyper-parameter choice: the grid searched (its budget
// is the number of candidates scored), the chosen values and their validation RMSE.
type Tuning struct {
	Name    string               `json:"name"`
	Params  map[string]float64   `json:"params"`
	Grid    map[string][]float64 `json:"grid"`
	Budget  int                  `json:"budget"`
	ValRMSE float64              `json:"val_rmse"`
}

// TunedBaselines fits the three baselines on train with hyper-parameters chosen on
// val (see TuningMethod), in the order of Baselines, and says what it chose.
func TunedBaselines(ctx context.Context, train, val []ratings.Rating) ([]Predictor, []Tuning, error) {
	gm, err := FitGlobalMean(train)
	if err != nil {
		return nil, nil, err
	}
	if len(val) == 0 {
		return nil, nil, fmt.Errorf("tune baselines: no validation rows")
	}
	hist := NewHistory(train, val)
	ix := indexRatings(train)
	gmPred, _ := gm.Predict(ctx, hist, val)
	tunings := []Tuning{{Name: gm.Name(), Params: map[string]float64{}, Grid: map[string][]float64{}, Budget: 1,
		ValRMSE: RowScores(gmPred, val).RMSE}}

	lambdaGrid := map[string][]float64{"item_lambda": BiasLambdaGrid, "user_lambda": BiasLambdaGrid}
	bestUIB := Tuning{Name: "user-item-bias", Grid: lambdaGrid, ValRMSE: math.Inf(1)}
	bestHAB := Tuning{Name: "history-aware-bias", ValRMSE: math.Inf(1),
		Grid: map[string][]float64{"item_lambda": BiasLambdaGrid, "user_lambda": BiasLambdaGrid, "prior": PriorGrid}}
	var uib *UserItemBias
	var hab *HistoryAwareBias
	for _, il := range BiasLambdaGrid {
		for _, ul := range BiasLambdaGrid {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
			m := ix.fit(il, ul, DefaultBiasRounds)
			bestUIB.Budget++
			p, _ := m.Predict(ctx, hist, val)
			if s := RowScores(p, val).RMSE; s < bestUIB.ValRMSE {
				bestUIB.ValRMSE, bestUIB.Params, uib = s, map[string]float64{"item_lambda": il, "user_lambda": ul}, m
			}
			for k, s := range historyAwareRMSE(m, hist, val, PriorGrid) {
				bestHAB.Budget++
				if s < bestHAB.ValRMSE {
					bestHAB.ValRMSE = s
					bestHAB.Params = map[string]float64{"item_lambda": il, "user_lambda": ul, "prior": PriorGrid[k]}
					hab = &HistoryAwareBias{Base: m, Prior: PriorGrid[k]}
				}
			}
		}
	}
	return []Predictor{gm, uib, hab}, append(tunings, bestUIB, bestHAB), nil
}

// historyAwareRMSE is the validation RMSE of HistoryAwareBias over base for every
// prior of priors, in one pass over rows.
func historyAwareRMSE(base *UserItemBias, hist *History, rows []ratings.Rating, priors []float64) []float64 {
	se := make([]float64, len(priors))
	prefix := map[int32][]float64{}
	for _, r := range rows {
		ps, ok := prefix[r.User]
		if !ok {
			ps = residualPrefix(base, hist.All(r.User))
			prefix[r.User] = ps
		}
		n := len(hist.Before(r.User, r.Time))
		for k, prior := range priors {
			bu := 0.0
			if n > 0 {
				bu = ps[n] / (prior + float64(n))
			}
			d := float64(clampRating(base.Mean+bu+base.Item[r.Item])) - float64(r.Rating)
			se[k] += d * d
		}
	}
	for k := range se {
		se[k] = math.Sqrt(se[k] / float64(len(rows)))
	}
	return se
}

// residualPrefix returns the prefix sums of a user's residuals r − μ − b_i over all,
// in time order: ps[n] sums the first n.
func residualPrefix(base *UserItemBias, all []Interaction) []float64 {
	ps := make([]float64, len(all)+1)
	for j, h := range all {
		ps[j+1] = ps[j] + float64(h.Rating) - base.Mean - base.Item[h.Item]
	}
	return ps
}

// step is one half-round of alternating least squares: the biases b of the entities at
// positions pos (per row) given the other side's biases ob at opos, with penalty lambda;
// sum and cnt are scratch of b's length.
func (ix *ratingIndex) step(b, sum []float64, cnt []int, pos []int32, ob []float64, opos []int32, lambda float64) {
	clear(sum)
	clear(cnt)
	for k, r := range ix.r {
		sum[pos[k]] += r - ix.mean - ob[opos[k]]
		cnt[pos[k]]++
	}
	for p := range b {
		b[p] = sum[p] / (lambda + float64(cnt[p]))
	}
}

// ratingIndex holds train with dense user and item positions, so that the grid's many
// bias fits share one pass of map lookups.
type ratingIndex struct {
	mean         float64
	users, items []int32 // dense position → id
	u, i         []int32 // per row: dense positions
	r            []float64
}

func indexRatings(train []ratings.Rating) *ratingIndex {
	ix := &ratingIndex{u: make([]int32, len(train)), i: make([]int32, len(train)), r: make([]float64, len(train))}
	up, ip := map[int32]int32{}, map[int32]int32{}
	var s float64
	for k, t := range train {
		p, ok := up[t.User]
		if !ok {
			p = int32(len(ix.users))
			up[t.User] = p
			ix.users = append(ix.users, t.User)
		}
		q, ok := ip[t.Item]
		if !ok {
			q = int32(len(ix.items))
			ip[t.Item] = q
			ix.items = append(ix.items, t.Item)
		}
		ix.u[k], ix.i[k], ix.r[k] = p, q, float64(t.Rating)
		s += float64(t.Rating)
	}
	ix.mean = s / float64(len(train))
	return ix
}

// fit is FitUserItemBias on the indexed rows (the same sums in the same order).
func (ix *ratingIndex) fit(itemLambda, userLambda float64, rounds int) *UserItemBias {
	bu, bi := make([]float64, len(ix.users)), make([]float64, len(ix.items))
	su, si := make([]float64, len(ix.users)), make([]float64, len(ix.items))
	cu, ci := make([]int, len(ix.users)), make([]int, len(ix.items))
	for range rounds {
		ix.step(bi, si, ci, ix.i, bu, ix.u, itemLambda) // items given users
		ix.step(bu, su, cu, ix.u, bi, ix.i, userLambda) // users given items
	}
	m := &UserItemBias{Mean: ix.mean, ItemLambda: itemLambda, UserLambda: userLambda,
		User: make(map[int32]float64, len(bu)), Item: make(map[int32]float64, len(bi))}
	for p, id := range ix.users {
		m.User[id] = bu[p]
	}
	for q, id := range ix.items {
		m.Item[id] = bi[q]
	}
	return m
}
