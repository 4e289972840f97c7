package abtest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/model/scoring"
)

// Summary is abtest/summary.json: the per-day trend and the cumulative comparison over
// the released days. It is rebuilt from the day results and units alone, so the order
// in which days were evaluated does not matter.
type Summary struct {
	Schema     string      `json:"schema"`
	Dataset    string      `json:"dataset"`
	Models     Models      `json:"models"`
	History    string      `json:"history,omitempty"` // the latest day's history granularity
	Days       []DayTrend  `json:"days"`
	Cumulative *Cumulative `json:"cumulative,omitempty"`
	Inputs     []Input     `json:"inputs"`
}

// TrendModel is one model's headline numbers on one day.
type TrendModel struct {
	Name     string    `json:"name"`
	Role     string    `json:"role"`
	RMSE     float64   `json:"rmse"`
	RMSECI   *Interval `json:"rmse_ci,omitempty"` // A and B only
	NDCG10   *float64  `json:"ndcg@10,omitempty"`
	NDCG10CI *Interval `json:"ndcg@10_ci,omitempty"`
}

// DayTrend is one day's line of the trend: the day's own numbers, descriptive, and the
// sequential verdict of the cumulative comparison read after that day.
type DayTrend struct {
	Day      int          `json:"day"`
	Rows     int          `json:"rows"`
	Users    int          `json:"users"`
	ColdRows int          `json:"cold_start_rows"`
	Quality  QualityRef   `json:"quality"`
	Models   []TrendModel `json:"models"`
	Primary  string       `json:"primary_metric"`
	// The primary metric's mean per-user A − B on this day's rows alone with its
	// fixed-horizon bootstrap interval: a description of the day, not a verdict.
	DayAloneDiff *float64  `json:"day_alone_mean_user_diff"`
	DayAloneCI   *Interval `json:"day_alone_fixed_ci"`
	InCumulative bool      `json:"in_cumulative"`
	Excluded     string    `json:"excluded,omitempty"`
	// Look is the sequential verdict on the primary metric (unit user) over the
	// included days up to this one, per segment (absent for an excluded day).
	Look []LookVerdict `json:"look,omitempty"`
	// MetricLooks is the same look for every metric (unit user, every segment, in
	// Metrics order): how each metric's sequential verdict evolved day after day.
	MetricLooks []LookVerdict `json:"metric_looks,omitempty"`
	// Versions are the deployed versions that scored the day (the result's Versions:
	// those of the end of the last passing day before it).
	Versions []Input `json:"versions,omitempty"`
}

// LookVerdict is a metric's per-user verdict in one segment at one look (Metric is
// set in MetricLooks; Look is the primary metric's).
type LookVerdict struct {
	Metric       string   `json:"metric,omitempty"`
	Segment      string   `json:"segment"`
	Users        int      `json:"users"`
	Diff         *float64 `json:"diff"`
	SequentialCI *Bounds  `json:"sequential_ci"`
	PHolm        *float64 `json:"p_holm"`
	Winner       string   `json:"winner"`
}

// Cumulative is the comparison over every included day: the per-user units of the days
// summed per user; model metrics aggregated exactly from the day results (RMSE through
// squared errors, ranking metrics over user-days), for all users and per segment.
type Cumulative struct {
	Days           []int               `json:"days"`
	Rows           int                 `json:"rows"`
	Users          int                 `json:"users"`
	RankedUserDays int                 `json:"ranked_user_days"`
	ColdRows       int                 `json:"cold_start_rows"`
	Segments       []SegmentPopulation `json:"segments"` // all, new_users, returning_users
	Metrics        []ModelMetrics      `json:"metrics"`
	Stats          Stats               `json:"stats"`
	Method         string              `json:"method"`
	// Winner and Verdict are those of the primary metric, all users, unit user.
	Winner   string    `json:"winner"`
	Verdict  string    `json:"verdict"`
	Verdicts []Verdict `json:"verdicts"`
	// Bar is the baseline every model is also judged against (BarName); BarVerdicts are
	// A's and B's verdicts against it, in the form of Verdicts (B = the bar).
	Bar            string           `json:"bar,omitempty"`
	BarVerdicts    []Verdict        `json:"bar_verdicts,omitempty"`
	BaselineTuning []scoring.Tuning `json:"baseline_tuning,omitempty"`
	Impact         *Impact          `json:"impact,omitempty"`
}

// Primary returns the verdict that decides: the primary metric, all users, per user.
func (c *Cumulative) Primary() *Verdict {
	return findVerdict(c.Verdicts, c.Stats.Primary, SegmentAll, UnitUser)
}

// LoadResults reads every abtest/day=NN/result.json with its units, in day order, and
// checks each units file against the checksum its result recorded.
func LoadResults(ctx context.Context, b blob.Bucket) ([]Result, []*Units, []Input, error) {
	objs, err := layout.ListDays(ctx, b, layout.KindABResult)
	if err != nil {
		return nil, nil, nil, err
	}
	var results []Result
	var units []*Units
	var inputs []Input
	for _, o := range objs {
		d := int(o.Day)
		data, in, err := readInput(ctx, b, o.Key)
		if err != nil {
			return nil, nil, nil, err
		}
		var r Result
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, nil, nil, fmt.Errorf("decode %s: %w", o.Key, err)
		}
		if r.Schema != ResultSchema || r.Day != d {
			return nil, nil, nil, fmt.Errorf("%s: schema %q day %d, want %q day %d (a result of another ab-eval version: rerun ab-eval --all)", o.Key, r.Schema, r.Day, ResultSchema, d)
		}
		udata, uin, err := readInput(ctx, b, layout.ABUnits(layout.Day(d)))
		if err != nil {
			return nil, nil, nil, err
		}
		if uin != r.Units {
			return nil, nil, nil, fmt.Errorf("%s: checksum %s does not match %s's record %s", layout.ABUnits(layout.Day(d)), uin.SHA256, o.Key, r.Units.SHA256)
		}
		u, err := DecodeUnits(udata, layout.ABUnits(layout.Day(d)))
		if err != nil {
			return nil, nil, nil, err
		}
		results, units, inputs = append(results, r), append(units, u), append(inputs, in, uin)
	}
	return results, units, inputs, nil
}

// BuildSummary computes the summary of the day results. The cumulative view takes the
// days evaluated with the same models as the latest day; others are listed and excluded.
// After each included day, the cumulative comparison is read again: that look's
// sequential verdict is the day's Look, and the last look is the verdict.
func BuildSummary(results []Result, units []*Units, inputs []Input, st Stats, impact ImpactConfig) (Summary, error) {
	if err := st.Validate(); err != nil {
		return Summary{}, err
	}
	s := Summary{Schema: SummarySchema, Inputs: inputs, Days: []DayTrend{}}
	if len(results) == 0 {
		return s, nil
	}
	last := results[len(results)-1]
	s.Dataset, s.Models, s.History = last.Dataset, last.Models, last.History
	a, b := last.Models.A.Name, last.Models.B.Name
	var parts []*Units
	var incl []Result
	for i, r := range results {
		t := trendOf(r)
		switch {
		case r.Dataset != last.Dataset:
			t.Excluded = fmt.Sprintf("dataset %s, latest day has %s", r.Dataset, last.Dataset)
		case !r.Models.Same(last.Models):
			t.Excluded = "evaluated with other champions than the latest day; rerun ab-eval --all"
		case r.History != last.History:
			t.Excluded = fmt.Sprintf("history %q, latest day has %q; rerun ab-eval --all", r.History, last.History)
		default:
			t.InCumulative = true
			parts = append(parts, units[i])
			incl = append(incl, r)
		}
		s.Days = append(s.Days, t)
	}
	var verdicts, barVerdicts []Verdict
	var u *Units
	k := 0
	for i := range s.Days {
		if !s.Days[i].InCumulative {
			continue
		}
		k++
		u = Merge(parts[:k]...)
		if k < len(parts) {
			verdicts = judge(u, st, a, b, false)
		} else {
			verdicts, barVerdicts = judgeLast(u, st, a, b, last.Bar)
		}
		s.Days[i].Look = lookOf(verdicts, st.Primary)
		s.Days[i].MetricLooks = metricLooks(verdicts)
	}
	c := &Cumulative{Users: u.Len(), Metrics: aggregateMetrics(incl), Stats: st, Method: VerdictMethod, Verdicts: verdicts}
	for _, r := range incl {
		c.Days = append(c.Days, r.Day)
		c.Rows += r.Population.Rows
		c.RankedUserDays += r.Population.RankedUsers
		c.ColdRows += r.Population.ColdRows
	}
	c.Segments = cumulativeSegments(incl, u)
	c.Bar, c.BaselineTuning = last.Bar, last.BaselineTuning
	c.BarVerdicts = barVerdicts
	pv := c.Primary()
	c.Winner, c.Verdict = pv.Winner, pv.Sentence(st)
	c.Impact = Project(c.Verdicts, impact)
	s.Cumulative = c
	return s, nil
}

// judgeLast is judge(u, st, a, b, true) and judgeBar(u, st, a, b, bar) with their
// bootstraps shared: the same users, so one pass of draws per segment serves the
// comparison and the two against the bar (BootstrapShared), the same numbers.
func judgeLast(u *Units, st Stats, a, b, bar string) (verdicts, barVerdicts []Verdict) {
	type pair struct {
		u          *Units
		name, with string
	}
	pairs := []pair{{u, a, b}}
	if bar != "" {
		for _, side := range []struct {
			name string
			side int
		}{{a, SideA}, {b, SideB}} {
			if side.name != bar {
				pairs = append(pairs, pair{u.Pair(side.side, SideBar), side.name, bar})
			}
		}
	}
	boots := make([][]Boot, len(pairs))
	for _, seg := range Segments {
		us := make([]*Units, len(pairs))
		for j, p := range pairs {
			us[j] = p.u.Segment(seg)
		}
		for j, bt := range BootstrapShared(us, st.Seed, st.Resamples, st.Confidence) {
			boots[j] = append(boots[j], bt)
		}
	}
	verdicts = judgeBoots(u, st, a, b, boots[0])
	for j, p := range pairs[1:] {
		barVerdicts = append(barVerdicts, judgeBoots(p.u, st, p.name, p.with, boots[j+1])...)
	}
	return verdicts, barVerdicts
}

// judgeBar gives A's and B's verdicts against the bar (none when there is no bar; a side
// that is the bar itself is not compared with itself).
func judgeBar(u *Units, st Stats, a, b, bar string) []Verdict {
	if bar == "" {
		return nil
	}
	var out []Verdict
	for _, side := range []struct {
		name string
		side int
	}{{a, SideA}, {b, SideB}} {
		if side.name != bar {
			out = append(out, judge(u.Pair(side.side, SideBar), st, side.name, bar, true)...)
		}
	}
	return out
}

// lookOf extracts the primary metric's per-user verdict of every segment.
func lookOf(vs []Verdict, primary string) []LookVerdict {
	var out []LookVerdict
	for _, seg := range Segments {
		if v := findVerdict(vs, primary, seg, UnitUser); v != nil {
			out = append(out, LookVerdict{Segment: seg, Users: v.Users, Diff: v.Diff, SequentialCI: v.SequentialCI, PHolm: v.PHolm, Winner: v.Winner})
		}
	}
	return out
}

// metricLooks extracts every metric's per-user verdict of every segment, metric by
// metric in Metrics order.
func metricLooks(vs []Verdict) []LookVerdict {
	var out []LookVerdict
	for _, m := range Metrics {
		for _, l := range lookOf(vs, m.Name) {
			l.Metric = m.Name
			out = append(out, l)
		}
	}
	return out
}

// cumulativeSegments counts rows and ranked user-days per segment from the day results
// and distinct users from the merged units.
func cumulativeSegments(rs []Result, u *Units) []SegmentPopulation {
	out := make([]SegmentPopulation, len(Segments))
	for i, seg := range Segments {
		out[i].Segment = seg
		for j := range u.Users {
			if inSegment(seg, u.Returning[j]) {
				out[i].Users++
			}
		}
		for _, r := range rs {
			if seg == SegmentAll {
				out[i].Rows += r.Population.Rows
				out[i].RankedUsers += r.Population.RankedUsers
				continue
			}
			for _, sp := range r.Population.Segments {
				if sp.Segment == seg {
					out[i].Rows += sp.Rows
					out[i].RankedUsers += sp.RankedUsers
				}
			}
		}
	}
	return out
}

func trendOf(r Result) DayTrend {
	t := DayTrend{Day: r.Day, Rows: r.Population.Rows, Users: r.Population.Users, ColdRows: r.Population.ColdRows,
		Quality: r.Quality, Primary: r.Comparison.Stats.Primary, Versions: r.Versions}
	ri, ni := MetricIndex("rmse"), MetricIndex("ndcg@10")
	if pi := MetricIndex(t.Primary); pi >= 0 && pi < len(r.Comparison.Metrics) {
		t.DayAloneDiff, t.DayAloneCI = r.Comparison.Metrics[pi].MeanUserDiff, r.Comparison.Metrics[pi].MeanUserDiffCI
	}
	for _, m := range r.Metrics {
		tm := TrendModel{Name: m.Name, Role: m.Role, RMSE: m.RMSE}
		if v, ok := m.Ranking["ndcg@10"]; ok {
			tm.NDCG10 = &v
		}
		if len(r.Comparison.Metrics) == len(Metrics) {
			switch m.Role {
			case RoleA:
				tm.RMSECI, tm.NDCG10CI = r.Comparison.Metrics[ri].ACI, r.Comparison.Metrics[ni].ACI
			case RoleB:
				tm.RMSECI, tm.NDCG10CI = r.Comparison.Metrics[ri].BCI, r.Comparison.Metrics[ni].BCI
			}
		}
		t.Models = append(t.Models, tm)
	}
	return t
}

// metricAcc accumulates one model's metrics over days on one set of rows: RMSE through
// squared errors, MAE row-weighted, ranking metrics weighted by ranked user-days.
type metricAcc struct {
	err    errAcc
	rank   map[string]float64
	ranked float64
}

func (a *metricAcc) add(rows int, rmse, mae *float64, ranking map[string]float64, ranked int) {
	if rmse != nil && mae != nil {
		a.err.add(ErrorStats{Rows: rows, RMSE: rmse, MAE: mae})
	}
	if ranking == nil || ranked == 0 {
		return
	}
	if a.rank == nil {
		a.rank = map[string]float64{}
	}
	w := float64(ranked)
	a.ranked += w
	for k, v := range ranking {
		a.rank[k] += w * v
	}
}

func (a *metricAcc) ranking() map[string]float64 {
	if a.ranked == 0 {
		return nil
	}
	out := map[string]float64{}
	for k, v := range a.rank {
		out[k] = v / a.ranked
	}
	return out
}

// aggregateMetrics combines the models' day metrics exactly, for all rows, cold and
// warm rows, and each user segment.
func aggregateMetrics(rs []Result) []ModelMetrics {
	if len(rs) == 0 {
		return nil
	}
	type acc struct {
		all        metricAcc
		cold, warm errAcc
		seg        []metricAcc
	}
	accs := make([]acc, len(rs[0].Metrics))
	for i := range accs {
		accs[i].seg = make([]metricAcc, len(userSegments))
	}
	for _, r := range rs {
		pop := map[string]SegmentPopulation{}
		for _, sp := range r.Population.Segments {
			pop[sp.Segment] = sp
		}
		for i, m := range r.Metrics {
			if i >= len(accs) {
				break
			}
			a := &accs[i]
			rmse, mae := m.RMSE, m.MAE
			a.all.add(r.Population.Rows, &rmse, &mae, m.Ranking, r.Population.RankedUsers)
			a.cold.add(m.Cold)
			a.warm.add(m.Warm)
			for _, sm := range m.Segments {
				for k, name := range userSegments {
					if sm.Segment == name {
						a.seg[k].add(pop[name].Rows, sm.RMSE, sm.MAE, sm.Ranking, pop[name].RankedUsers)
					}
				}
			}
		}
	}
	out := make([]ModelMetrics, len(accs))
	for i, a := range accs {
		m := rs[0].Metrics[i]
		all := a.all.err.stats()
		out[i] = ModelMetrics{Name: m.Name, Role: m.Role, RMSE: *all.RMSE, MAE: *all.MAE,
			Cold: a.cold.stats(), Warm: a.warm.stats(), Ranking: a.all.ranking()}
		for k, name := range userSegments {
			e := a.seg[k].err.stats()
			out[i].Segments = append(out[i].Segments, SegmentMetrics{Segment: name, RMSE: e.RMSE, MAE: e.MAE, Ranking: a.seg[k].ranking()})
		}
	}
	return out
}

type errAcc struct{ rows, se, ae float64 }

func (e *errAcc) add(s ErrorStats) {
	if s.Rows == 0 || s.RMSE == nil || s.MAE == nil {
		return
	}
	n := float64(s.Rows)
	e.rows += n
	e.se += n * *s.RMSE * *s.RMSE
	e.ae += n * *s.MAE
}

func (e errAcc) stats() ErrorStats {
	s := ErrorStats{Rows: int(e.rows)}
	if e.rows > 0 {
		r, m := math.Sqrt(e.se/e.rows), e.ae/e.rows
		s.RMSE, s.MAE = &r, &m
	}
	return s
}

// Rebuild rewrites abtest/summary.json and abtest/report.html from the day results.
// Runs in other processes may add results meanwhile: after writing, it checks that the
// day results are still those it read, and rebuilds when they are not, so the last
// writer leaves a summary of every result (at most maxRebuilds tries).
func (e *Evaluator) Rebuild(ctx context.Context) error {
	const maxRebuilds = 5
	for range maxRebuilds {
		results, units, inputs, err := LoadResults(ctx, e.Bucket)
		if err != nil {
			return err
		}
		if len(results) == 0 {
			e.Log.Info("no day results yet: summary not written")
			return nil
		}
		if err := e.writeSummary(ctx, results, units, inputs); err != nil {
			return err
		}
		now, err := resultInputs(ctx, e.Bucket)
		if err != nil {
			return err
		}
		if slices.Equal(now, resultsOnly(inputs)) {
			return nil
		}
		e.Log.Info("day results changed while the summary was built: rebuilding")
	}
	return fmt.Errorf("rebuild %s: day results kept changing over %d tries", layout.ABSummary, maxRebuilds)
}

func (e *Evaluator) writeSummary(ctx context.Context, results []Result, units []*Units, inputs []Input) error {
	t0 := time.Now()
	s, err := BuildSummary(results, units, inputs, e.Opt.Stats, e.Opt.Impact)
	if err != nil {
		return err
	}
	e.Log.Info("summary rebuilt", "days", len(results), "users", s.Cumulative.Users, "seconds", time.Since(t0).Seconds())
	data, err := blob.MarshalJSON(s)
	if err != nil {
		return fmt.Errorf("encode %s: %w", layout.ABSummary, err)
	}
	if err := e.put(ctx, layout.ABSummary, data); err != nil {
		return err
	}
	html, err := RenderReport(s)
	if err != nil {
		return err
	}
	return e.put(ctx, layout.ABReport, html)
}

// resultInputs reads the checksums of the day results now in the bucket, in key order.
func resultInputs(ctx context.Context, b blob.Bucket) ([]Input, error) {
	objs, err := layout.ListDays(ctx, b, layout.KindABResult)
	if err != nil {
		return nil, err
	}
	var out []Input
	for _, o := range objs {
		_, in, err := readInput(ctx, b, o.Key)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, nil
}

func resultsOnly(in []Input) []Input {
	var out []Input
	for _, i := range in {
		if k, err := layout.Parse(i.Key); err == nil && k.Kind == layout.KindABResult {
			out = append(out, i)
		}
	}
	return out
}
