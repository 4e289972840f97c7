package abtest

import (
	"strings"
	"testing"
)

func TestDecide(t *testing.T) {
	p := func(v float64) *float64 { return &v }
	tests := []struct {
		name  string
		ci    *Interval
		pHolm *float64
		lower bool
		want  string
	}{
		{"error lower under A", &Interval{-0.2, -0.1}, p(0.001), true, WinnerA},
		{"error lower under B", &Interval{0.1, 0.2}, p(0.001), true, WinnerB},
		{"ranking higher under A", &Interval{0.1, 0.2}, p(0.001), false, WinnerA},
		{"ranking higher under B", &Interval{-0.2, -0.1}, p(0.001), false, WinnerB},
		{"interval includes 0", &Interval{-0.1, 0.2}, p(0.001), true, WinnerNone},
		{"excludes 0 but Holm p too high", &Interval{0.1, 0.2}, p(0.2), true, WinnerNone},
		{"no interval", nil, p(0.001), true, WinnerNone},
		{"no p", &Interval{0.1, 0.2}, nil, true, WinnerNone},
	}
	for _, tt := range tests {
		if got := decide(tt.ci, tt.pHolm, tt.lower, 0.05); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// A clearly better model wins, with the effect size and the interval in the verdict.
func TestCompareClearWinner(t *testing.T) {
	users := make([]int32, 200)
	for i := range users {
		users[i] = int32(i + 1)
	}
	u := NewUnits(users)
	for i := range users {
		r := u.Row(i)
		r[WRows] = 4
		// Squared errors: A 4·(0.8+jitter)², B 4·(1.0+jitter)².
		j := float64(i%7) / 100
		r[aIdx(0)], r[bIdx(0)] = 4*(0.8+j)*(0.8+j), 4*(1.0+j)*(1.0+j)
		r[aIdx(1)], r[bIdx(1)] = 4*(0.8+j), 4*(1.0+j)
	}
	c, err := Compare(u, DefaultStats, "ncf", "ss4rec")
	if err != nil {
		t.Fatal(err)
	}
	rm := c.Metrics[0]
	if c.Winner != WinnerA || rm.Winner != WinnerA || !strings.HasPrefix(c.Verdict, "ncf beats ss4rec on rmse") {
		t.Fatalf("winner %q verdict %q", c.Winner, c.Verdict)
	}
	// Every user's RMSE is 0.2 lower under A: the mean per-user difference is -0.2 exactly.
	if !near(*rm.MeanUserDiff, -0.2, 1e-12) || rm.MeanUserDiffCI.High > -0.2+1e-9 || rm.MeanUserDiffCI.Low < -0.2-1e-9 {
		t.Errorf("mean user diff %v CI %+v", *rm.MeanUserDiff, rm.MeanUserDiffCI)
	}
	if rm.Users != 200 || c.Metrics[MetricIndex("ndcg@10")].Users != 0 {
		t.Errorf("users %d / ranking users %d", rm.Users, c.Metrics[MetricIndex("ndcg@10")].Users)
	}
	if _, err := Compare(u, Stats{Seed: 1, Resamples: 100, Confidence: 0.95, Primary: "rmse"}, "a", "b"); err == nil {
		t.Error("100 resamples accepted")
	}
}
