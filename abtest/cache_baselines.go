package abtest

import (
	"context"
	"fmt"
	"strconv"

	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/model/scoring"
)

// baselinesCache names the entries of the baselines' tuning (abtest/cache/baselines/).
const baselinesCache = "baselines"

// tunedBaselines is scoring.TunedBaselines on st's train and validation, its grid
// search skipped when abtest/cache/baselines/ has its choice for these exact files:
// the baselines are then refit from the choice (scoring.BaselinesFromTuning), and the
// entry is used only when every refit baseline gives on validation the very RMSE the
// choice recorded, bit for bit; otherwise the grid is searched again.
func (e *Evaluator) tunedBaselines(ctx context.Context, st *state) ([]scoring.Predictor, []scoring.Tuning, error) {
	inputs := []string{st.inputs[0].Key, st.inputs[0].SHA256, st.inputs[1].Key, st.inputs[1].SHA256,
		scoring.TuningMethod, fmt.Sprint(scoring.BiasLambdaGrid, scoring.PriorGrid), strconv.Itoa(scoring.DefaultBiasRounds)}
	var tuning []scoring.Tuning
	found := e.cacheGet(ctx, baselinesCache, inputs, &tuning)
	if found == cacheHit {
		base, err := scoring.BaselinesFromTuning(st.train, tuning)
		if err == nil {
			err = checkTuning(ctx, st, base, tuning)
		}
		if err == nil {
			return base, tuning, nil
		}
		e.badCache(cacheKey(baselinesCache, inputs), err)
		found = cacheBad
	}
	base, tuning, err := scoring.TunedBaselines(ctx, st.train, st.val)
	if err != nil {
		return nil, nil, fmt.Errorf("fit baselines on %s: %w", layout.Prepared(e.Opt.Dataset, layout.TrainName), err)
	}
	e.cachePut(ctx, baselinesCache, inputs, tuning, found)
	return base, tuning, nil
}

// checkTuning checks that every baseline gives on validation the RMSE its tuning
// recorded (the scores TunedBaselines chose by), with st's history of train and
// validation (once st.histReady is closed).
func checkTuning(ctx context.Context, st *state, base []scoring.Predictor, tuning []scoring.Tuning) error {
	<-st.histReady
	for i, p := range base {
		pred, err := p.Predict(ctx, st.hist, st.val)
		if err != nil {
			return err
		}
		if got := scoring.RowScores(pred, st.val).RMSE; got != tuning[i].ValRMSE {
			return fmt.Errorf("%s refit gives validation RMSE %v, the entry records %v", p.Name(), got, tuning[i].ValRMSE)
		}
	}
	return nil
}
