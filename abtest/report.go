package abtest

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"strings"

	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/svgchart"
)

//go:embed report.html.tmpl
var reportTmpl string

var reportT = template.Must(template.New("report").Funcs(template.FuncMap{
	"f4":       func(p *float64) string { return fmtPtr(p, "%.4f") },
	"f3":       func(p *float64) string { return fmtPtr(p, "%.3f") },
	"p":        func(p *float64) string { return fmtPtr(p, "%.3g") },
	"pct":      func(v float64) string { return fmt.Sprintf("%+.2f%%", 100*v) },
	"ci":       fmtCI,
	"days":     fmtDays,
	"quality":  fmtQuality,
	"winclass": func(w string) string { return map[string]string{WinnerA: "win-a", WinnerB: "win-b"}[w] },
	"winner": func(w string) string {
		return map[string]string{WinnerA: "A", WinnerB: "B", WinnerNone: "no significant difference"}[w]
	},
	"rk": func(m map[string]float64, k string) string {
		if v, ok := m[k]; ok {
			return fmt.Sprintf("%.4f", v)
		}
		return "n/a"
	},
	"bounds": func(b *Bounds) string { return fmtCI(b.Interval()) },
	"barwinner": func(v Verdict) string {
		return map[string]string{WinnerA: v.A + " beats the bar", WinnerB: "the bar beats " + v.A, WinnerNone: "no significant difference"}[v.Winner]
	},
	"alpha":  func(st Stats) string { return fmt.Sprintf("%.2g", 1-st.Confidence) },
	"value": func(v any) string {
		if f, ok := v.(float64); ok {
			return fmt.Sprintf("%g", f)
		}
		return fmt.Sprint(v)
	},
	"look": func(ls []LookVerdict, seg string) LookVerdict {
		for _, l := range ls {
			if l.Segment == seg {
				return l
			}
		}
		return LookVerdict{Segment: seg}
	},
}).Parse(reportTmpl))

// segmentView is one segment's block of the report.
type segmentView struct {
	Name, Title string
	Pop         SegmentPopulation
	Verdicts    []Verdict
	Models      []modelView
}

// modelView is one model's row of a segment's metrics table.
type modelView struct {
	Name, Role string
	RMSE, MAE  *float64
	ColdWarm   *struct{ Cold, Warm ErrorStats } // all users only
	Ranking    map[string]float64
}

func segmentViews(c *Cumulative) []segmentView {
	var out []segmentView
	for i, seg := range Segments {
		sv := segmentView{Name: seg, Title: cases(segmentWords(seg))}
		if i < len(c.Segments) {
			sv.Pop = c.Segments[i]
		}
		for _, v := range c.Verdicts {
			if v.Segment == seg {
				sv.Verdicts = append(sv.Verdicts, v)
			}
		}
		for _, m := range c.Metrics {
			mv := modelView{Name: m.Name, Role: m.Role}
			if seg == SegmentAll {
				mv.RMSE, mv.MAE, mv.Ranking = num(m.RMSE), num(m.MAE), m.Ranking
				mv.ColdWarm = &struct{ Cold, Warm ErrorStats }{m.Cold, m.Warm}
			}
			for _, sm := range m.Segments {
				if sm.Segment == seg {
					mv.RMSE, mv.MAE, mv.Ranking = sm.RMSE, sm.MAE, sm.Ranking
				}
			}
			sv.Models = append(sv.Models, mv)
		}
		out = append(out, sv)
	}
	return out
}

// cases capitalises the first letter.
func cases(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// segmentColours draw all, new and returning users in the look chart.
var segmentColours = map[string]string{SegmentAll: "#222222", SegmentNew: "#c0392b", SegmentReturning: "#2e86c1"}

// lookChart draws the primary metric's cumulative per-user A − B after each day with
// its always-valid interval, per segment, and the zero line.
func lookChart(s Summary, primary string) svgchart.Chart {
	ch := svgchart.Chart{Title: fmt.Sprintf("Cumulative mean per-user A − B on %s after each day (95%% always-valid intervals)", primary),
		YLabel: "A − B"}
	zero := svgchart.Series{Name: "0 (no difference)", Color: "#999999", Dashed: true}
	for _, seg := range Segments {
		sr := svgchart.Series{Name: segmentWords(seg), Color: segmentColours[seg]}
		for _, d := range s.Days {
			for _, l := range d.Look {
				if l.Segment != seg || l.Diff == nil {
					continue
				}
				p := svgchart.Point{X: d.Day, Y: *l.Diff}
				if l.SequentialCI != nil {
					p.Low, p.High = &l.SequentialCI[0], &l.SequentialCI[1]
				}
				sr.Points = append(sr.Points, p)
			}
		}
		ch.Series = append(ch.Series, sr)
	}
	for _, d := range s.Days {
		if d.InCumulative {
			ch.XS = append(ch.XS, d.Day)
			zero.Points = append(zero.Points, svgchart.Point{X: d.Day})
		}
	}
	ch.Series = append(ch.Series, zero)
	return ch
}

func fmtCI(iv *Interval) string {
	if iv == nil {
		return "n/a"
	}
	return fmt.Sprintf("[%.4f, %.4f]", iv.Low, iv.High)
}

func fmtDays(ds []int) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = fmt.Sprint(d)
	}
	return strings.Join(s, ", ")
}

func fmtQuality(q QualityRef) string {
	s := "FAIL"
	if q.Success {
		s = "pass"
	}
	if q.ChecksTotal != nil && q.ChecksPassed != nil {
		s += fmt.Sprintf(" (%d/%d checks)", *q.ChecksPassed, *q.ChecksTotal)
	}
	return s
}

// Colours of the report's series: A, B, then the baselines.
var palette = map[string]string{RoleA: "#3465a4", RoleB: "#e07b00"}
var baselineColours = []string{"#888888", "#5a9e5a", "#a04fa0"}

// RenderReport renders abtest/report.html from the summary: one self-contained page,
// inline SVG, no scripts, no external resources.
func RenderReport(s Summary) ([]byte, error) {
	var xs []int
	for _, d := range s.Days {
		xs = append(xs, d.Day)
	}
	rmse := svgchart.Chart{Title: "RMSE per day (lower is better)", YLabel: "RMSE", XS: xs}
	ndcg := svgchart.Chart{Title: "NDCG@10 per day (higher is better)", YLabel: "NDCG@10", XS: xs}
	series := map[string]int{}
	compared := map[string]bool{s.Models.A.Name: true, s.Models.B.Name: true}
	for _, d := range s.Days {
		for _, m := range d.Models {
			if m.Role == RoleBaseline && compared[m.Name] {
				continue // already drawn as A or B
			}
			key := m.Role + "/" + m.Name
			i, ok := series[key]
			if !ok {
				i = len(rmse.Series)
				series[key] = i
				col, dashed := palette[m.Role], false
				if col == "" {
					col, dashed = baselineColours[(i-2+len(baselineColours))%len(baselineColours)], true
				}
				label := m.Name
				if m.Role != RoleBaseline {
					label = strings.ToUpper(m.Role) + ": " + m.Name
				}
				rmse.Series = append(rmse.Series, svgchart.Series{Name: label, Color: col, Dashed: dashed})
				ndcg.Series = append(ndcg.Series, svgchart.Series{Name: label, Color: col, Dashed: dashed})
			}
			rp := svgchart.Point{X: d.Day, Y: m.RMSE}
			if m.RMSECI != nil {
				rp.Low, rp.High = &m.RMSECI.Low, &m.RMSECI.High
			}
			rmse.Series[i].Points = append(rmse.Series[i].Points, rp)
			if m.NDCG10 != nil {
				np := svgchart.Point{X: d.Day, Y: *m.NDCG10}
				if m.NDCG10CI != nil {
					np.Low, np.High = &m.NDCG10CI.Low, &m.NDCG10CI.High
				}
				ndcg.Series[i].Points = append(ndcg.Series[i].Points, np)
			}
		}
	}
	vol := svgchart.Chart{Title: "Rows scored per day", YLabel: "rows", XS: xs, Bars: true,
		Series: []svgchart.Series{{Name: "rows", Color: "#3465a4"}, {Name: "cold-start rows", Color: "#c0c0c0"}}}
	qual := svgchart.Chart{Title: "Quality checks passed per day (share)", YLabel: "share passed", XS: xs, Bars: true,
		Series: []svgchart.Series{{Name: "checks passed", Color: "#5a9e5a"}}}
	for _, d := range s.Days {
		vol.Series[0].Points = append(vol.Series[0].Points, svgchart.Point{X: d.Day, Y: float64(d.Rows)})
		vol.Series[1].Points = append(vol.Series[1].Points, svgchart.Point{X: d.Day, Y: float64(d.ColdRows)})
		if q := d.Quality; q.ChecksTotal != nil && *q.ChecksTotal > 0 && q.ChecksPassed != nil {
			qual.Series[0].Points = append(qual.Series[0].Points, svgchart.Point{X: d.Day, Y: float64(*q.ChecksPassed) / float64(*q.ChecksTotal)})
		}
	}
	primary := DefaultStats.Primary
	var segs []segmentView
	var bar []Verdict
	if s.Cumulative != nil {
		primary = s.Cumulative.Stats.Primary
		segs = segmentViews(s.Cumulative)
		for _, v := range s.Cumulative.BarVerdicts {
			if v.Metric == primary {
				bar = append(bar, v)
			}
		}
	}
	var deployed []DayTrend
	for _, d := range s.Days {
		if len(d.Versions) > 0 {
			deployed = append(deployed, d)
		}
	}
	var buf bytes.Buffer
	err := reportT.Execute(&buf, map[string]any{
		"S": s, "Primary": primary, "Segments": segs, "BarVerdicts": bar, "Deployed": deployed,
		"LookChart": template.HTML(lookChart(s, primary).SVG()),
		"RMSEChart": template.HTML(rmse.SVG()), "NDCGChart": template.HTML(ndcg.SVG()),
		"VolumeChart": template.HTML(vol.SVG()), "QualityChart": template.HTML(qual.SVG()),
	})
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", layout.ABReport, err)
	}
	return buf.Bytes(), nil
}
