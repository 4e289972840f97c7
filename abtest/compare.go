package abtest

import (
	"fmt"
	"math"
)

// Stats configures the paired statistics.
type Stats struct {
	Seed       uint64     `json:"seed"`
	Resamples  int        `json:"resamples"`
	Confidence float64    `json:"confidence"`
	Primary    string     `json:"primary_metric"`
	Sequential Sequential `json:"sequential"`
}

// MinResamples is the least number of bootstrap resamples a comparison accepts.
const MinResamples = 10000

// DefaultStats: 10,000 bootstrap resamples of users, 95% intervals, verdict on RMSE,
// the confidence sequence planned for DefaultSequential.
var DefaultStats = Stats{Seed: 1, Resamples: 10000, Confidence: 0.95, Primary: "rmse", Sequential: DefaultSequential}

// Validate checks the settings.
func (s Stats) Validate() error {
	switch {
	case s.Resamples < MinResamples:
		return fmt.Errorf("stats: %d bootstrap resamples, want at least %d", s.Resamples, MinResamples)
	case s.Confidence <= 0 || s.Confidence >= 1:
		return fmt.Errorf("stats: confidence %v outside (0, 1)", s.Confidence)
	case MetricIndex(s.Primary) < 0:
		return fmt.Errorf("stats: unknown primary metric %q", s.Primary)
	}
	return s.Sequential.Validate()
}

// Winner values.
const (
	WinnerA    = "a"
	WinnerB    = "b"
	WinnerNone = "none"
)

// MetricComparison is the paired comparison of A and B on one metric.
//
// The tested quantity is the mean over users of each user's own difference A − B (the
// user's RMSE, MAE or ranking metric under A minus under B): its bootstrap interval
// decides the winner, and the t-test and the effect size are about it. Beside it, the
// aggregate values (RMSE over all rows, ranking metrics over all user-days) carry
// their own bootstrap intervals, users resampled in the same replicates.
type MetricComparison struct {
	Metric          string    `json:"metric"`
	LowerIsBetter   bool      `json:"lower_is_better"`
	Users           int       `json:"users"` // users with a per-user difference (the resampling units)
	A               *float64  `json:"a"`     // aggregate value under A
	ACI             *Interval `json:"a_ci"`
	B               *float64  `json:"b"`
	BCI             *Interval `json:"b_ci"`
	AggregateDiff   *float64  `json:"aggregate_diff"` // A − B of the aggregate values
	AggregateDiffCI *Interval `json:"aggregate_diff_ci"`
	MeanUserDiff    *float64  `json:"mean_user_diff"` // mean over users of A − B
	MeanUserDiffCI  *Interval `json:"mean_user_diff_ci"`
	PValue          *float64  `json:"p_value"`      // paired t-test on the per-user differences, two-sided
	PHolm           *float64  `json:"p_value_holm"` // Holm-corrected across the metrics
	EffectSizeDz    *float64  `json:"effect_size_dz"`
	Winner          string    `json:"winner"` // a or b when mean_user_diff_ci excludes 0 and p_value_holm < 1 - confidence, else none
}

// Comparison is the paired A/B comparison on every metric, and the verdict.
type Comparison struct {
	Stats   Stats              `json:"stats"`
	Method  string             `json:"method"`
	Metrics []MetricComparison `json:"metrics"`
	Winner  string             `json:"winner"` // on the primary metric
	Verdict string             `json:"verdict"`
}

// Method documents the statistics in every output.
const Method = "Per-user paired differences: each user's own metric under A minus under B (RMSE and MAE over " +
	"the user's rows; ranking metrics averaged over the user's ranked days). Interval: percentile bootstrap of " +
	"the mean per-user difference, resampling users with replacement (replicate r draws from PCG stream " +
	"(seed, r)); aggregate values and their difference are bootstrapped in the same replicates. p-value: " +
	"two-sided paired t-test on the per-user differences, Holm-corrected across metrics. Effect size: " +
	"Cohen's d_z of the per-user differences. A model wins a metric only when the interval of the mean " +
	"per-user difference excludes 0 and the Holm-corrected p-value is below 1 - confidence."

// Compare runs the paired statistics of A (named a) against B (named b) on u.
func Compare(u *Units, st Stats, a, b string) (Comparison, error) {
	if err := st.Validate(); err != nil {
		return Comparison{}, err
	}
	boot := Bootstrap(u, st.Seed, st.Resamples, st.Confidence)
	c := Comparison{Stats: st, Method: Method}
	ps := make([]float64, len(Metrics))
	for m, spec := range Metrics {
		d := u.Diffs(m)
		mc := MetricComparison{Metric: spec.Name, LowerIsBetter: spec.LowerIsBetter, Users: len(d), Winner: WinnerNone}
		pa, pb := u.Point(m)
		mc.A, mc.B, mc.AggregateDiff = num(pa), num(pb), num(pa-pb)
		mc.ACI, mc.BCI, mc.AggregateDiffCI = interval(boot.A[m]), interval(boot.B[m]), interval(boot.Diff[m])
		mc.MeanUserDiffCI = interval(boot.UserDiff[m])
		tt := PairedTTest(d)
		ps[m] = tt.P
		mc.PValue, mc.MeanUserDiff, mc.EffectSizeDz = num(tt.P), num(tt.Mean), num(CohenDz(d))
		c.Metrics = append(c.Metrics, mc)
	}
	alpha := 1 - st.Confidence
	for m, p := range Holm(ps) {
		c.Metrics[m].PHolm = num(p)
		c.Metrics[m].Winner = decide(c.Metrics[m].MeanUserDiffCI, c.Metrics[m].PHolm, Metrics[m].LowerIsBetter, alpha)
	}
	pm := c.Metrics[MetricIndex(st.Primary)]
	c.Winner = pm.Winner
	c.Verdict = verdict(pm, st, a, b)
	return c, nil
}

// decide names the winner of a metric from the interval of the mean per-user difference
// A − B and the Holm-corrected p-value: a side wins only when the interval excludes 0
// in its favour and p < alpha.
func decide(ci *Interval, pHolm *float64, lowerIsBetter bool, alpha float64) string {
	if ci == nil || pHolm == nil || *pHolm >= alpha {
		return WinnerNone
	}
	switch {
	case (lowerIsBetter && ci.High < 0) || (!lowerIsBetter && ci.Low > 0):
		return WinnerA
	case (lowerIsBetter && ci.Low > 0) || (!lowerIsBetter && ci.High < 0):
		return WinnerB
	}
	return WinnerNone
}

func verdict(pm MetricComparison, st Stats, a, b string) string {
	if pm.MeanUserDiffCI == nil || pm.MeanUserDiff == nil {
		return fmt.Sprintf("no verdict: %s is undefined on these rows", pm.Metric)
	}
	lvl := int(math.Round(st.Confidence * 100))
	switch pm.Winner {
	case WinnerA, WinnerB:
		win, lose := a, b
		if pm.Winner == WinnerB {
			win, lose = b, a
		}
		return fmt.Sprintf("%s beats %s on %s: mean per-user difference A-B %.4f over %d users, %d%% CI [%.4f, %.4f], Holm p %s, d_z %s",
			win, lose, pm.Metric, *pm.MeanUserDiff, pm.Users, lvl, pm.MeanUserDiffCI.Low, pm.MeanUserDiffCI.High, fmtPtr(pm.PHolm, "%.3g"), fmtPtr(pm.EffectSizeDz, "%.3f"))
	}
	why := "includes 0"
	if pm.MeanUserDiffCI.Low > 0 || pm.MeanUserDiffCI.High < 0 {
		why = fmt.Sprintf("excludes 0, but the Holm-corrected p %s is not below %.2g", fmtPtr(pm.PHolm, "%.3g"), 1-st.Confidence)
	}
	return fmt.Sprintf("no significant difference on %s: mean per-user difference A-B %.4f over %d users, %d%% CI [%.4f, %.4f] %s",
		pm.Metric, *pm.MeanUserDiff, pm.Users, lvl, pm.MeanUserDiffCI.Low, pm.MeanUserDiffCI.High, why)
}

func fmtPtr(p *float64, f string) string {
	if p == nil {
		return "n/a"
	}
	return fmt.Sprintf(f, *p)
}

// num returns a pointer to v, or nil for NaN or ±Inf (JSON has no such numbers).
func num(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func interval(iv Interval) *Interval {
	if math.IsNaN(iv.Low) || math.IsNaN(iv.High) {
		return nil
	}
	return &iv
}
