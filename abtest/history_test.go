package abtest

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/scoring"
)

// The history setting: under row a day's rows see its own earlier rows; under day only
// the passing days before it. B (the user's past mean) is recomputed under each, the
// setting is reported in the result and the summary, and the two settings give
// different numbers on the fixture (its users rate again within a day).
func TestHistorySetting(t *testing.T) {
	ctx := context.Background()
	rmse := map[string]float64{}
	for _, h := range []string{HistoryRow, HistoryDay} {
		f := newFixture(t)
		e := f.evaluator("alpha", "beta")
		e.Opt.History = h
		if _, err := e.RunAll(ctx); err != nil {
			t.Fatal(err)
		}
		res := readResult(t, f.b, 5)
		sets := [][]ratings.Rating{f.train, f.val}
		wantDays := []int{1, 2, 4}
		if h == HistoryRow {
			wantDays = append(wantDays, 5)
		}
		for _, d := range wantDays {
			sets = append(sets, f.days[d])
		}
		if res.History != h || !slices.Equal(res.HistoryDays, wantDays) {
			t.Errorf("%s: result says history %q over days %v, want days %v", h, res.History, res.HistoryDays, wantDays)
		}
		pb, _ := f.preds["beta"].Predict(ctx, scoring.NewHistory(sets...), f.days[5])
		if got, want := res.Metrics[1].RMSE, scoring.RowScores(pb, f.days[5]).RMSE; math.Abs(got-want) > 1e-9 {
			t.Errorf("%s: day 5 RMSE of B %v, recomputed %v", h, got, want)
		}
		rmse[h] = res.Metrics[1].RMSE
		var sum Summary
		if err := blob.ReadJSON(ctx, f.b, layout.ABSummary, &sum); err != nil {
			t.Fatal(err)
		}
		if sum.History != h || len(sum.Cumulative.Days) != 4 {
			t.Errorf("%s: summary history %q over days %v", h, sum.History, sum.Cumulative.Days)
		}
	}
	if rmse[HistoryRow] == rmse[HistoryDay] {
		t.Errorf("row and day history give the same RMSE %v: the setting changed nothing", rmse[HistoryRow])
	}
}
