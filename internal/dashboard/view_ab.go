package dashboard

import (
	"context"
	"errors"
	"fmt"

	"github.com/recpipe/recpipe/abtest"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
)

// abView is the A/B page, from abtest/summary.json alone: the sequential verdict of
// every metric, segment and unit, how each metric's verdict evolved look after look
// (day after day) with its interval, the per-day results, the segments and the
// baselines.
type abView struct {
	Present    bool               `json:"present"` // abtest/summary.json exists
	Dataset    string             `json:"dataset,omitempty"`
	Models     abtest.Models      `json:"models"`
	Primary    string             `json:"primary_metric,omitempty"`
	Metrics    []string           `json:"metrics"` // those with a recorded look history, the primary first
	Segments   []string           `json:"segments"`
	Cumulative *abtest.Cumulative `json:"cumulative,omitempty"`
	Looks      []abLook           `json:"looks"` // one per included day, in day order
	Days       []abtest.DayTrend  `json:"days"`
	Charts     []chart            `json:"charts"`
}

// abLook is the sequential verdict of every metric, per segment, as it stood after
// one day: ab-eval records it in the day's line of the trend (Look the primary
// metric's, MetricLooks every metric's, each naming its metric).
type abLook struct {
	Day     int                  `json:"day"`
	Look    []abtest.LookVerdict `json:"look"`
	Metrics []abtest.LookVerdict `json:"metrics"`
}

func (s *Server) abView(ctx context.Context) (any, error) {
	v := &abView{Segments: abtest.Segments, Metrics: []string{}, Looks: []abLook{}, Days: []abtest.DayTrend{}, Charts: []chart{}}
	var sum abtest.Summary
	switch err := blob.ReadJSON(ctx, s.b, layout.ABSummary, &sum); {
	case errors.Is(err, blob.ErrNotFound):
		return v, nil
	case err != nil:
		return nil, err
	case sum.Schema != abtest.SummarySchema:
		return nil, fmt.Errorf("%s: schema %q, want %q (written by another ab-eval version: rerun ab-eval --all)",
			layout.ABSummary, sum.Schema, abtest.SummarySchema)
	}
	v.Present, v.Dataset, v.Models, v.Days, v.Cumulative = true, sum.Dataset, sum.Models, sum.Days, sum.Cumulative
	if c := sum.Cumulative; c != nil {
		v.Primary = c.Stats.Primary
	}
	for _, d := range sum.Days {
		if d.InCumulative && len(d.Look) > 0 {
			l := abLook{Day: d.Day, Look: d.Look, Metrics: d.MetricLooks}
			if len(l.Metrics) == 0 { // a summary written before ab-eval recorded every metric's look
				for _, lv := range d.Look {
					lv.Metric = v.Primary
					l.Metrics = append(l.Metrics, lv)
				}
			}
			v.Looks = append(v.Looks, l)
		}
	}
	v.Metrics = lookMetrics(v)
	v.Charts = abCharts(v)
	return v, nil
}

// lookMetrics are the metrics the looks record, the primary first, then in
// abtest.Metrics order.
func lookMetrics(v *abView) []string {
	seen := map[string]bool{}
	for _, l := range v.Looks {
		for _, lv := range l.Metrics {
			seen[lv.Metric] = true
		}
	}
	out := []string{}
	if seen[v.Primary] {
		out = append(out, v.Primary)
	}
	for _, m := range abtest.Metrics {
		if seen[m.Name] && m.Name != v.Primary {
			out = append(out, m.Name)
		}
	}
	return out
}

// lookChartID names the chart of a metric's cumulative verdict in one segment.
func lookChartID(metric, primary, segment string) string {
	if metric == primary {
		return "ab-look-" + segment
	}
	return "ab-look-" + metric + "-" + segment
}

// abCharts: every metric's sequential interval look after look, one chart per metric
// and segment; the day-alone difference; and every model's RMSE per day.
func abCharts(v *abView) []chart {
	if v.Cumulative == nil {
		return nil
	}
	xs := days(layout.Days)
	st := v.Cumulative.Stats
	lower := lowerIsBetter(v.Primary)
	var out []chart
	for _, metric := range v.Metrics {
		for _, seg := range v.Segments {
			out = append(out, lookChart(v, metric, seg, st.Confidence))
		}
	}
	day := chart{ID: "ab-day-primary", Title: "Each day alone: " + v.Primary + " mean per-user difference A − B", XLabel: "day",
		YLabel: "A − B", Kind: "line", XS: xs, Lines: []refLine{{Y: 0, Label: "no difference"}},
		Note: "descriptive: the day's rows only, fixed-horizon bootstrap interval (not a verdict); " + betterNote(lower)}
	rmse := chart{ID: "ab-day-rmse", Title: "RMSE per day, every model", XLabel: "day", YLabel: "RMSE", Kind: "line", XS: xs}
	for _, d := range v.Days {
		if d.DayAloneDiff != nil {
			p := point{X: d.Day, Y: *d.DayAloneDiff}
			if d.DayAloneCI != nil {
				p.Lo, p.Hi = &d.DayAloneCI.Low, &d.DayAloneCI.High
			}
			day.add(fmt.Sprintf("%s A − B, %.0f%% fixed interval", v.Primary, st.Confidence*100), p)
		}
		for _, m := range d.Models {
			rmse.add(m.Name+" ("+roleName(m.Role)+")", point{X: d.Day, Y: m.RMSE})
		}
	}
	for i := range day.Series {
		day.Series[i].Dots = true // a day alone does not carry over to the next
	}
	for i := range rmse.Series {
		rmse.Series[i].Dashed = i >= 2 // the baselines
	}
	return append(out, day, rmse)
}

// lookChart is one metric's cumulative per-user A − B in one segment after each
// day, with its always-valid interval as a band.
func lookChart(v *abView, metric, seg string, confidence float64) chart {
	c := chart{ID: lookChartID(metric, v.Primary, seg), Title: fmt.Sprintf("%s, %s: mean per-user difference A − B after each day", metric, segmentName(seg)),
		XLabel: "day (cumulative through)", YLabel: "A − B", Kind: "line", XS: days(layout.Days), Lines: []refLine{{Y: 0, Label: "no difference"}},
		Note: fmt.Sprintf("band: always-valid %.0f%% confidence sequence (valid at every look); %s", confidence*100, betterNote(lowerIsBetter(metric)))}
	for _, l := range v.Looks {
		for _, lv := range l.Metrics {
			if lv.Metric != metric || lv.Segment != seg || lv.Diff == nil {
				continue
			}
			p := point{X: l.Day, Y: *lv.Diff}
			if lv.SequentialCI != nil {
				p.Lo, p.Hi = &lv.SequentialCI[0], &lv.SequentialCI[1]
			}
			c.add(metric+" A − B", p)
		}
	}
	for i := range c.Series {
		c.Series[i].Band = true
	}
	return c
}

// lowerIsBetter says whether a smaller value of metric is better (RMSE, MAE).
func lowerIsBetter(metric string) bool {
	if i := abtest.MetricIndex(metric); i >= 0 {
		return abtest.Metrics[i].LowerIsBetter
	}
	return true
}

func betterNote(lowerIsBetter bool) string {
	if lowerIsBetter {
		return "lower is better: above 0 favours B"
	}
	return "higher is better: below 0 favours B"
}

func segmentName(seg string) string {
	switch seg {
	case abtest.SegmentAll:
		return "all users"
	case abtest.SegmentNew:
		return "new users"
	case abtest.SegmentReturning:
		return "returning users"
	}
	return seg
}

func roleName(role string) string {
	switch role {
	case abtest.RoleA:
		return "A"
	case abtest.RoleB:
		return "B"
	}
	return role
}
