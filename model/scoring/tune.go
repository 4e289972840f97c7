package scoring

import (
	"context"
	"fmt"
	"math"

	"github.com/recpipe/recpipe/internal/ratings"
)

// The baselines are tuned like the models (docs/design.md §Baselines and the bar; README "Models and the evaluation protocol"): their
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
//
// The candidates are scored on all cores, each from dense arrays built once
// (biasSearch), with the arithmetic of fitting each candidate and scoring it with
// Predict and RowScores, so the choice and its RMSEs are those bits
// (TestTunedBaselinesEqualsReference).
func TunedBaselines(ctx context.Context, train, val []ratings.Rating) ([]Predictor, []Tuning, error) {
	gm, err := FitGlobalMean(train)
	if err != nil {
		return nil, nil, err
	}
	if len(val) == 0 {
		return nil, nil, fmt.Errorf("tune baselines: no validation rows")
	}
	gmPred, _ := gm.Predict(ctx, nil, val)
	tunings := []Tuning{{Name: gm.Name(), Params: map[string]float64{}, Grid: map[string][]float64{}, Budget: 1,
		ValRMSE: RowScores(gmPred, val).RMSE}}

	ix := indexRatings(train)
	scores, err := newBiasSearch(ix, train, val).run(ctx)
	if err != nil {
		return nil, nil, err
	}
	lambdaGrid := map[string][]float64{"item_lambda": BiasLambdaGrid, "user_lambda": BiasLambdaGrid}
	bestUIB := Tuning{Name: "user-item-bias", Grid: lambdaGrid, ValRMSE: math.Inf(1)}
	bestHAB := Tuning{Name: "history-aware-bias", ValRMSE: math.Inf(1),
		Grid: map[string][]float64{"item_lambda": BiasLambdaGrid, "user_lambda": BiasLambdaGrid, "prior": PriorGrid}}
	var uib *UserItemBias
	var hab *HistoryAwareBias
	// In grid order, ties to the first: the candidates' fits are refit for the chosen.
	c := 0
	for _, il := range BiasLambdaGrid {
		for _, ul := range BiasLambdaGrid {
			bestUIB.Budget++
			if s := scores[c].uib; s < bestUIB.ValRMSE {
				bestUIB.ValRMSE, bestUIB.Params, uib = s, map[string]float64{"item_lambda": il, "user_lambda": ul}, nil
			}
			for k, s := range scores[c].hab {
				bestHAB.Budget++
				if s < bestHAB.ValRMSE {
					bestHAB.ValRMSE = s
					bestHAB.Params = map[string]float64{"item_lambda": il, "user_lambda": ul, "prior": PriorGrid[k]}
					hab = nil
				}
			}
			c++
		}
	}
	if bestUIB.Params != nil {
		uib = ix.fit(bestUIB.Params["item_lambda"], bestUIB.Params["user_lambda"], DefaultBiasRounds)
	}
	if p := bestHAB.Params; p != nil {
		base := uib
		if bestUIB.Params["item_lambda"] != p["item_lambda"] || bestUIB.Params["user_lambda"] != p["user_lambda"] {
			base = ix.fit(p["item_lambda"], p["user_lambda"], DefaultBiasRounds)
		}
		hab = &HistoryAwareBias{Base: base, Prior: p["prior"]}
	}
	return []Predictor{gm, uib, hab}, append(tunings, bestUIB, bestHAB), nil
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

// BaselinesFromTuning refits the three baselines of TunedBaselines on train from the
// choice it recorded (tunings, in the order of Baselines), without searching the grid:
// the same fits, so the same predictors bit for bit for the same train. A tuning that
// is not such a choice is an error; the caller then tunes again.
func BaselinesFromTuning(train []ratings.Rating, tunings []Tuning) ([]Predictor, error) {
	names := []string{"global-mean", "user-item-bias", "history-aware-bias"}
	if len(tunings) != len(names) {
		return nil, fmt.Errorf("baselines from tuning: %d tunings, want %d", len(tunings), len(names))
	}
	for i, t := range tunings {
		if t.Name != names[i] {
			return nil, fmt.Errorf("baselines from tuning: tuning %d is %q, want %q", i, t.Name, names[i])
		}
	}
	param := func(t Tuning, k string) (float64, error) {
		v, ok := t.Params[k]
		if !ok {
			return 0, fmt.Errorf("baselines from tuning: %s has no %s", t.Name, k)
		}
		return v, nil
	}
	var p [5]float64
	var err error
	for i, kv := range []struct {
		t Tuning
		k string
	}{{tunings[1], "item_lambda"}, {tunings[1], "user_lambda"}, {tunings[2], "item_lambda"}, {tunings[2], "user_lambda"}, {tunings[2], "prior"}} {
		if p[i], err = param(kv.t, kv.k); err != nil {
			return nil, err
		}
	}
	gm, err := FitGlobalMean(train)
	if err != nil {
		return nil, err
	}
	ix := indexRatings(train)
	uib := ix.fit(p[0], p[1], DefaultBiasRounds)
	base := uib
	if p[2] != p[0] || p[3] != p[1] {
		base = ix.fit(p[2], p[3], DefaultBiasRounds)
	}
	return []Predictor{gm, uib, &HistoryAwareBias{Base: base, Prior: p[4]}}, nil
}
