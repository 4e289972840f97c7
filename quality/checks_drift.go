package quality

import (
	"math"
	"slices"
)

// drift measures the day against the train profile and records the metrics.
func (in *dayInput) drift() []Result {
	hist := make([]int, RatingBins)
	var sum float64
	var n int
	perUser := map[int32]int{}
	items := map[int32]int{}
	for _, r := range in.b.rows {
		perUser[r.User]++
		items[r.Item]++
		if r.Rating.Rating > 0 {
			hist[ratingBin(r.Rating.Rating)]++
			sum += float64(r.Rating.Rating)
			n++
		}
	}
	met := in.metrics
	met["rows"] = float64(in.b.lines)
	met["distinct_users"] = float64(len(perUser))
	met["distinct_items"] = float64(len(items))
	if in.m.PlannedRows > 0 {
		met["rejected_share"] = round(float64(in.m.Rejected)/float64(in.m.PlannedRows), 6)
	}
	if n > 0 {
		met["mean_rating"] = round(sum/float64(n), 6)
	}
	var out []Result

	psi := PSI(hist, in.prof.RatingCounts)
	th := in.th.DriftRatingPSI
	res := Result{Check: CheckDriftPSI, Severity: th.Severity, Threshold: th.MaxPSI,
		Details: map[string]any{"bins": "0.5..5.0 by 0.5", "day_counts": hist, "train_counts": in.prof.RatingCounts}}
	if math.IsNaN(psi) {
		res.Success, res.Details["reason"] = false, "no valid rating in the day or in train"
	} else {
		psi = round(psi, 6)
		res.Success, res.ObservedValue, met["rating_psi"] = psi <= th.MaxPSI, psi, psi
	}
	out = append(out, res)

	counts := make([]int, 0, len(perUser))
	for _, c := range perUser {
		counts = append(counts, c)
	}
	slices.Sort(counts)
	ks := in.th.DriftActivityKS
	d, p := KS2(counts, in.prof.Activity.PerUser)
	res = Result{Check: CheckDriftKS, Severity: ks.Severity,
		Threshold: map[string]any{"max_statistic": ks.MaxStatistic, "alpha": ks.Alpha},
		Details: map[string]any{"day_users": len(counts), "train_window_users": len(in.prof.Activity.PerUser),
			"train_window_rows": in.prof.Activity.Rows, "train_window_from": in.prof.Activity.FromTime, "train_window_to": in.prof.Activity.ToTime}}
	if math.IsNaN(d) {
		res.Success, res.Details["reason"] = false, "no user in the day or in the train window"
	} else {
		d, p = round(d, 6), round(p, 6)
		res.ObservedValue = map[string]any{"statistic": d, "p_value": p}
		res.Success = !(d > ks.MaxStatistic && p < ks.Alpha)
		met["activity_ks"] = d
	}
	out = append(out, res)

	out = append(out, in.unseen(CheckUnseenUsers, "unseen_users_share", in.th.UnseenUsers, perUser, in.prof.Users))
	out = append(out, in.unseen(CheckUnseenItems, "unseen_items_share", in.th.UnseenItems, items, in.prof.Items))
	return out
}

// unseen is the share of the day's distinct ids that train never saw; the details
// also give the share of rows they own.
func (in *dayInput) unseen(name, metric string, rule ShareRule, ids map[int32]int, train []int32) Result {
	var n, rows, total int
	for id, c := range ids {
		total += c
		if !has(train, id) {
			n++
			rows += c
		}
	}
	res := Result{Check: name, Severity: rule.Severity, Threshold: rule.MaxShare,
		Details: map[string]any{"unseen": n, "distinct": len(ids), "unseen_rows": rows}}
	if len(ids) == 0 {
		res.Details["reason"] = "no rows"
		return res
	}
	share := round(float64(n)/float64(len(ids)), 6)
	res.Success, res.ObservedValue = share <= rule.MaxShare, share
	res.Details["unseen_rows_share"] = round(float64(rows)/float64(total), 6)
	in.metrics[metric] = share
	return res
}

// anomalyMetrics are the scale-free metrics checked against their history.
var anomalyMetrics = []string{"rejected_share", "mean_rating", "rating_psi", "activity_ks", "unseen_users_share", "unseen_items_share"}

// anomalies compares each metric with the earlier released days' metrics once enough exist.
func (in *dayInput) anomalies() []Result {
	a := in.th.Anomaly
	if len(in.history) < a.MinHistoryDays {
		return nil
	}
	var out []Result
	for _, name := range anomalyMetrics {
		x, ok := in.metrics[name]
		if !ok {
			continue
		}
		var h []float64
		for _, day := range in.history {
			if v, ok := day.Metrics[name]; ok {
				h = append(h, v)
			}
		}
		if len(h) < a.MinHistoryDays {
			continue
		}
		z, med, spread := robustZ(x, h)
		res := Result{Check: AnomalyPrefix + name, Severity: a.Severity, Threshold: a.MaxZ,
			Details: map[string]any{"value": x, "history_median": round(med, 6), "history_days": len(h)}}
		if spread {
			z = round(z, 4)
			res.ObservedValue, res.Success = z, z <= a.MaxZ
		} else {
			change := round(math.Abs(x-med), 6)
			res.ObservedValue, res.Success = nil, change <= a.MinAbsChange
			res.Details["history_spread"] = 0
			res.Details["abs_change"] = change
			res.Details["min_abs_change"] = a.MinAbsChange
		}
		out = append(out, res)
	}
	return out
}
