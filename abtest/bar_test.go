package abtest

import (
	"math"
	"testing"
)

// Every model is judged against the bar too: A's and B's verdicts against the tuned
// history-aware baseline, whose aggregate values are the models' and the bar's own
// cumulative metrics.
func TestBarVerdicts(t *testing.T) {
	_, sum := evaluatedFixture(t)
	c := sum.Cumulative
	if c.Bar != BarName {
		t.Fatalf("bar %q, want %q", c.Bar, BarName)
	}
	if want := 2 * len(Segments) * len(Metrics) * 2; len(c.BarVerdicts) != want {
		t.Fatalf("%d bar verdicts, want %d (A and B, every segment, metric and unit)", len(c.BarVerdicts), want)
	}
	rmse := map[string]float64{}
	for _, m := range c.Metrics {
		rmse[m.Name] = m.RMSE
	}
	for _, side := range []string{sum.Models.A.Name, sum.Models.B.Name} {
		var v *Verdict
		for i := range c.BarVerdicts {
			if w := &c.BarVerdicts[i]; w.A == side && w.Metric == "rmse" && w.Segment == SegmentAll && w.Unit == UnitRow {
				v = w
			}
		}
		if v == nil || v.B != BarName || v.Diff == nil {
			t.Fatalf("%s: no rmse per-row verdict against the bar: %+v", side, v)
		}
		if want := rmse[side] - rmse[BarName]; math.Abs(*v.Diff-want) > 1e-9 {
			t.Errorf("%s − bar RMSE %v, the cumulative metrics give %v", side, *v.Diff, want)
		}
	}
	if len(c.BaselineTuning) != 3 || c.BaselineTuning[2].Name != BarName || c.BaselineTuning[2].Budget < 2 {
		t.Errorf("baseline tuning not recorded: %+v", c.BaselineTuning)
	}
}

func TestUnitsPair(t *testing.T) {
	u := NewUnits([]int32{7})
	r := u.Row(0)
	r[WRows] = 2
	r[sideIdx(SideA, 0)], r[sideIdx(SideB, 0)], r[sideIdx(SideBar, 0)] = 1, 2, 3
	p := u.Pair(SideB, SideBar).Row(0)
	if p[WRows] != 2 || p[aIdx(0)] != 2 || p[bIdx(0)] != 3 || p[sideIdx(SideBar, 0)] != 0 {
		t.Errorf("Pair(B, bar) row %v", p[:weights+1])
	}
}
