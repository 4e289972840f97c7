package dashboard

import (
	"context"
	"fmt"
	"github.com/recpipe/recpipe/internal/layout"
	"slices"
	"strings"

	"github.com/recpipe/recpipe/quality"
)

// qualityView is the quality page: each check across the checked days, the drift and
// anomaly trends, and the gate of each day.
type qualityView struct {
	Days   []int      `json:"days"` // checked days
	Gates  []gateDay  `json:"gates"`
	Checks []checkRow `json:"checks"`
	Charts []chart    `json:"charts"`
}

// gateDay is one day's gate: passed unless an error-severity check failed.
type gateDay struct {
	Day            int            `json:"day"`
	Success        bool           `json:"success"`
	SuccessPercent float64        `json:"success_percent"`
	FailedErrors   []checkOutcome `json:"failed_errors"`
	FailedWarnings []checkOutcome `json:"failed_warnings"`
}

type checkOutcome struct {
	Check     string `json:"check"`
	Observed  string `json:"observed"`
	Threshold string `json:"threshold"`
}

// checkRow is one check across the days.
type checkRow struct {
	Check    string      `json:"check"`
	Group    string      `json:"group"`
	Severity string      `json:"severity"`
	Cells    []checkCell `json:"cells"` // one per checked day, in Days order; Ran false where the check did not run
}

type checkCell struct {
	Day       int    `json:"day"`
	Ran       bool   `json:"ran"`
	Success   bool   `json:"success"`
	Severity  string `json:"severity,omitempty"`
	Observed  string `json:"observed,omitempty"`
	Threshold string `json:"threshold,omitempty"`
}

func (s *Server) qualityView(ctx context.Context) (any, error) {
	reps, err := quality.Reports(ctx, s.b)
	if err != nil {
		return nil, err
	}
	v := &qualityView{Days: []int{}, Gates: []gateDay{}, Checks: []checkRow{}, Charts: []chart{}}
	rows := map[string]*checkRow{}
	var order []string
	for _, r := range reps {
		v.Days = append(v.Days, r.Day)
		g := gateDay{Day: r.Day, Success: r.Success, SuccessPercent: r.Statistics.SuccessPercent,
			FailedErrors: []checkOutcome{}, FailedWarnings: []checkOutcome{}}
		for _, res := range r.Results {
			if rows[res.Check] == nil {
				rows[res.Check] = &checkRow{Check: res.Check, Group: checkGroup(res.Check)}
				order = append(order, res.Check)
			}
			if res.Success {
				continue
			}
			o := checkOutcome{Check: res.Check, Observed: shortValue(res.ObservedValue), Threshold: shortValue(res.Threshold)}
			if res.Severity == quality.Error {
				g.FailedErrors = append(g.FailedErrors, o)
			} else {
				g.FailedWarnings = append(g.FailedWarnings, o)
			}
		}
		v.Gates = append(v.Gates, g)
	}
	for _, name := range order {
		row := rows[name]
		for _, r := range reps {
			c := checkCell{Day: r.Day}
			if i := slices.IndexFunc(r.Results, func(x quality.Result) bool { return x.Check == name }); i >= 0 {
				res := r.Results[i]
				c = checkCell{Day: r.Day, Ran: true, Success: res.Success, Severity: string(res.Severity),
					Observed: shortValue(res.ObservedValue), Threshold: shortValue(res.Threshold)}
				row.Severity = string(res.Severity)
			}
			row.Cells = append(row.Cells, c)
		}
		v.Checks = append(v.Checks, *row)
	}
	v.Charts = qualityCharts(reps)
	return v, nil
}

// checkGroup is the family of a check, from its name: drift_rating_psi → drift.
func checkGroup(check string) string {
	for _, g := range []string{"integrity", "completeness", "validity", "uniqueness", "consistency", "volume",
		"rejected", "drift", "unseen", "anomaly"} {
		if strings.HasPrefix(check, g) {
			return g
		}
	}
	return "other"
}

// qualityCharts are the trends across days: drift against its thresholds, the anomaly
// z-scores against theirs, and the day metrics the anomaly check follows.
func qualityCharts(reps []*quality.Report) []chart {
	xs := days(layout.Days)
	drift := chart{ID: "quality-drift", Title: "Drift against train", XLabel: "day", YLabel: "statistic", Kind: "line", XS: xs,
		Note: "rating PSI (10 half-step bins) and the KS statistic of per-user activity, each with its threshold"}
	anomaly := chart{ID: "quality-anomaly", Title: "Anomaly: robust z-score of each day metric against the earlier days", XLabel: "day",
		YLabel: "|z|", Kind: "line", XS: xs, Note: "a metric whose history has no spread has no z-score (it fails only on an absolute change)"}
	shares := chart{ID: "quality-shares", Title: "Day metrics: shares of the day's rows and users", XLabel: "day", YLabel: "share",
		Kind: "line", XS: xs}
	mean := chart{ID: "quality-mean-rating", Title: "Day metrics: mean rating", XLabel: "day", YLabel: "rating", Kind: "line", XS: xs}
	limits := map[string]float64{}
	for _, r := range reps {
		for _, res := range r.Results {
			switch {
			case res.Check == quality.CheckDriftPSI:
				if y, ok := number(res.ObservedValue, ""); ok {
					drift.add("rating PSI", point{X: r.Day, Y: y})
				}
				if t, ok := number(res.Threshold, ""); ok {
					limits["max PSI"] = t
				}
			case res.Check == quality.CheckDriftKS:
				if y, ok := number(res.ObservedValue, "statistic"); ok {
					drift.add("activity KS statistic", point{X: r.Day, Y: y})
				}
				if t, ok := number(res.Threshold, "max_statistic"); ok {
					limits["max KS statistic"] = t
				}
			case strings.HasPrefix(res.Check, quality.AnomalyPrefix):
				name := strings.TrimPrefix(res.Check, quality.AnomalyPrefix)
				if y, ok := number(res.ObservedValue, ""); ok {
					anomaly.add(name, point{X: r.Day, Y: y})
				}
				if t, ok := number(res.Threshold, ""); ok {
					anomaly.Lines = []refLine{{Y: t, Label: fmt.Sprintf("max z %s", trimFloat(t))}}
				}
			}
		}
		for _, m := range []string{"rejected_share", "unseen_users_share", "unseen_items_share"} {
			if y, ok := r.Metrics[m]; ok {
				shares.add(strings.TrimSuffix(m, "_share"), point{X: r.Day, Y: y})
			}
		}
		if y, ok := r.Metrics["mean_rating"]; ok {
			mean.add("mean rating", point{X: r.Day, Y: y})
		}
	}
	for _, name := range []string{"max PSI", "max KS statistic"} {
		if t, ok := limits[name]; ok {
			drift.Lines = append(drift.Lines, refLine{Y: t, Label: name + " " + trimFloat(t)})
		}
	}
	return []chart{drift, anomaly, shares, mean}
}
