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
// every metric, segment and unit, how the primary metric's verdict evolved look after
// look (day after day), the per-day results, the segments and the baselines.
type abView struct {
	Present    bool               `json:"present"` // abtest/summary.json exists
	Dataset    string             `json:"dataset,omitempty"`
	Models     abtest.Models      `json:"models"`
	Primary    string             `json:"primary_metric,omitempty"`
	Segments   []string           `json:"segments"`
	Cumulative *abtest.Cumulative `json:"cumulative,omitempty"`
	Looks      []abLook           `json:"looks"` // one per included day, in day order
	Days       []abtest.DayTrend  `json:"days"`
	Charts     []chart            `json:"charts"`
}

// abLook is the primary metric's sequential verdict, per segment, as it stood after
// one day: ab-eval records it in the day's line of the trend.
type abLook struct {
	Day  int                  `json:"day"`
	Look []abtest.LookVerdict `json:"look"`
}

func (s *Server) abView(ctx context.Context) (any, error) {
	v := &abView{Segments: abtest.Segments, Looks: []abLook{}, Days: []abtest.DayTrend{}, Charts: []chart{}}
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
			v.Looks = append(v.Looks, abLook{Day: d.Day, Look: d.Look})
		}
	}
	v.Charts = abCharts(v)
	return v, nil
}

// abCharts: the primary metric's sequential interval look after look, one chart per
// segment; the day-alone difference; and every model's RMSE per day.
func abCharts(v *abView) []chart {
	if v.Cumulative == nil {
		return nil
	}
	xs := days(layout.Days)
	st := v.Cumulative.Stats
	lower := true
	if i := abtest.MetricIndex(v.Primary); i >= 0 {
		lower = abtest.Metrics[i].LowerIsBetter
	}
	var out []chart
	for _, seg := range v.Segments {
		c := chart{ID: "ab-look-" + seg, Title: fmt.Sprintf("%s, %s: mean per-user difference A − B after each day", v.Primary, segmentName(seg)),
			XLabel: "day (cumulative through)", YLabel: "A − B", Kind: "line", XS: xs, Lines: []refLine{{Y: 0, Label: "no difference"}},
			Note: fmt.Sprintf("band: always-valid %.0f%% confidence sequence (valid at every look); %s", st.Confidence*100, betterNote(lower))}
		for _, l := range v.Looks {
			for _, lv := range l.Look {
				if lv.Segment != seg || lv.Diff == nil {
					continue
				}
				p := point{X: l.Day, Y: *lv.Diff}
				if lv.SequentialCI != nil {
					p.Lo, p.Hi = &lv.SequentialCI[0], &lv.SequentialCI[1]
				}
				c.add(v.Primary+" A − B", p)
			}
		}
		for i := range c.Series {
			c.Series[i].Band = true
		}
		out = append(out, c)
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
