package abtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/internal/schemas"
	"github.com/recpipe/recpipe/model/scoring"
)

// evaluatedFixture is the fixture after ab-eval --all (alpha against beta), with its summary.
func evaluatedFixture(t *testing.T) (*fixture, Summary) {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t)
	if _, err := f.evaluator("alpha", "beta").RunAll(ctx); err != nil {
		t.Fatal(err)
	}
	var sum Summary
	if err := blob.ReadJSON(ctx, f.b, layout.ABSummary, &sum); err != nil {
		t.Fatal(err)
	}
	return f, sum
}

func readResult(t *testing.T, b blob.Bucket, d int) Result {
	t.Helper()
	var r Result
	if err := blob.ReadJSON(context.Background(), b, layout.ABResult(layout.Day(d)), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRunAllSkipsFailedDayAndValidates(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	e := f.evaluator("alpha", "beta")
	done, err := e.RunAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 2, 4, 5}; !slices.Equal(done, want) {
		t.Fatalf("evaluated days %v, want %v", done, want)
	}
	if ok, _ := blob.Exists(ctx, f.b, layout.ABResult(layout.Day(f.failDay))); ok {
		t.Fatalf("day %d failed its quality gate but has a result", f.failDay)
	}
	for _, key := range []string{layout.ABResult(layout.Day(1)), layout.ABResult(layout.Day(5)), layout.ABSummary} {
		data, err := blob.ReadAll(ctx, f.b, key)
		if err != nil {
			t.Fatal(err)
		}
		if err := schemas.Validate(data); err != nil {
			t.Errorf("%s: %v", key, err)
		}
	}
	r := readResult(t, f.b, 5)
	// Day 3 failed quality: its rows are not in day 5's history.
	if !slices.Equal(r.HistoryDays, []int{1, 2, 4, 5}) {
		t.Errorf("history days %v", r.HistoryDays)
	}
	if r.Models.A.Champion == nil || r.Models.A.Champion.Key != layout.Champion("alpha") {
		t.Errorf("champion of A not recorded: %+v", r.Models.A)
	}
	if len(r.Metrics) != 5 || r.Metrics[2].Name != "global-mean" || r.Metrics[4].Name != "history-aware-bias" {
		t.Errorf("metrics must list A, B and the three baselines: %+v", r.Metrics)
	}
}

// The numbers of the results and of the summary, recomputed independently from the
// batches and the predictors.
func TestResultsRecomputedIndependently(t *testing.T) {
	ctx := context.Background()
	f, sum := evaluatedFixture(t)
	var se, n float64
	var p5 []float64
	for _, d := range []int{1, 2, 4, 5} {
		// History: train + val + every passing day up to d.
		sets := [][]ratings.Rating{f.train, f.val}
		for h := 1; h <= d; h++ {
			if h != f.failDay {
				sets = append(sets, f.days[h])
			}
		}
		hist := scoring.NewHistory(sets...)
		rows := f.days[d]
		pa, _ := f.preds["alpha"].Predict(ctx, hist, rows)
		pb, _ := f.preds["beta"].Predict(ctx, hist, rows)
		var dse float64
		for i, r := range rows {
			e := float64(pb[i] - r.Rating)
			dse += e * e
		}
		res := readResult(t, f.b, d)
		if got, want := res.Metrics[1].RMSE, math.Sqrt(dse/float64(len(rows))); math.Abs(got-want) > 1e-9 {
			t.Errorf("day %d: RMSE of B %v, recomputed %v", d, got, want)
		}
		se += dse
		n += float64(len(rows))
		p5 = append(p5, precisionAt5(rows, pa)...)
	}
	cum := sum.Cumulative
	if cum == nil {
		t.Fatal("no cumulative view")
	}
	if got, want := cum.Metrics[1].RMSE, math.Sqrt(se/n); math.Abs(got-want) > 1e-9 {
		t.Errorf("cumulative RMSE of B %v, recomputed %v", got, want)
	}
	var s float64
	for _, v := range p5 {
		s += v
	}
	if got, want := cum.Metrics[0].Ranking["precision@5"], s/float64(len(p5)); math.Abs(got-want) > 1e-9 {
		t.Errorf("cumulative P@5 of A %v, recomputed %v over %d user-days", got, want, len(p5))
	}
	// B (the user's past mean) beats a constant on RMSE here; the verdict must say so.
	if cum.Winner != WinnerB || !strings.HasPrefix(cum.Verdict, "beta-usermean beats alpha-const on rmse (all users, per user)") {
		t.Errorf("verdict %q (winner %q)", cum.Verdict, cum.Winner)
	}
}

// Users 1..20 rated in train or validation (returning), 21..30 did not (new): every
// model's metrics per segment, recomputed from the batches, and the verdicts of the
// three segments.
func TestSegmentsRecomputed(t *testing.T) {
	ctx := context.Background()
	f, sum := evaluatedFixture(t)
	cum := sum.Cumulative
	se := map[string]float64{}
	n := map[string]float64{}
	users := map[string]map[int32]bool{SegmentNew: {}, SegmentReturning: {}}
	for _, d := range []int{1, 2, 4, 5} {
		sets := [][]ratings.Rating{f.train, f.val}
		for h := 1; h <= d; h++ {
			if h != f.failDay {
				sets = append(sets, f.days[h])
			}
		}
		rows := f.days[d]
		pb, _ := f.preds["beta"].Predict(ctx, scoring.NewHistory(sets...), rows)
		for i, r := range rows {
			seg := SegmentNew
			if r.User <= 20 {
				seg = SegmentReturning
			}
			e := float64(pb[i] - r.Rating)
			se[seg] += e * e
			n[seg]++
			users[seg][r.User] = true
		}
	}
	for k, seg := range userSegments {
		got := cum.Metrics[1].Segments[k]
		if got.Segment != seg || got.RMSE == nil || math.Abs(*got.RMSE-math.Sqrt(se[seg]/n[seg])) > 1e-9 {
			t.Errorf("%s: B's RMSE %+v, recomputed %v", seg, got, math.Sqrt(se[seg]/n[seg]))
		}
		if p := cum.Segments[k+1]; p.Segment != seg || p.Rows != int(n[seg]) || p.Users != len(users[seg]) {
			t.Errorf("%s population %+v, want %v rows, %d users", seg, p, n[seg], len(users[seg]))
		}
	}
	if len(cum.Verdicts) != len(Segments)*len(Metrics)*2 {
		t.Fatalf("%d verdicts, want %d", len(cum.Verdicts), len(Segments)*len(Metrics)*2)
	}
	for _, seg := range Segments {
		v := findVerdict(cum.Verdicts, "rmse", seg, UnitRow)
		if v == nil || v.FixedCI == nil || v.SequentialCI == nil {
			t.Fatalf("%s: rmse per row %+v", seg, v)
		}
		u := findVerdict(cum.Verdicts, "rmse", seg, UnitUser)
		if seg != SegmentAll && u.Users != len(users[seg]) {
			t.Errorf("%s: %d users in the per-user verdict, want %d", seg, u.Users, len(users[seg]))
		}
	}
}

// No two places give different answers for one metric: the last look of the trend is
// the verdict, the aggregate verdicts carry the models' cumulative values, the impact
// uses the verdict's own interval.
func TestSummaryOneAnswerPerMetric(t *testing.T) {
	ctx := context.Background()
	f, sum := evaluatedFixture(t)
	cum := sum.Cumulative
	page, err := blob.ReadAll(ctx, f.b, layout.ABReport)
	if err != nil {
		t.Fatal(err)
	}
	pv := cum.Primary()
	// The page's verdict box, the verdict table and the last day's row give the same interval.
	if ci := fmtCI(pv.SequentialCI.Interval()); strings.Count(string(page), ci) < 3 {
		t.Errorf("the primary verdict's interval %s appears %d times on the page, want the box, the table and the last day", ci, strings.Count(string(page), ci))
	}
	last := sum.Days[len(sum.Days)-1]
	for _, l := range last.Look {
		v := findVerdict(cum.Verdicts, cum.Stats.Primary, l.Segment, UnitUser)
		if l.Winner != v.Winner || *l.Diff != *v.Diff || *l.SequentialCI != *v.SequentialCI || *l.PHolm != *v.PHolm {
			t.Errorf("%s: last look %+v, verdict %+v", l.Segment, l, v)
		}
	}
	if cum.Winner != cum.Primary().Winner {
		t.Errorf("headline winner %q, verdict %q", cum.Winner, cum.Primary().Winner)
	}
	for i, m := range []int{MetricIndex("rmse"), MetricIndex("ndcg@10")} {
		v := findVerdict(cum.Verdicts, Metrics[m].Name, SegmentAll, aggregateUnit(m))
		a, b := cum.Metrics[0], cum.Metrics[1]
		va, vb := a.RMSE, b.RMSE
		if i == 1 {
			va, vb = a.Ranking["ndcg@10"], b.Ranking["ndcg@10"]
		}
		if math.Abs(*v.ValueA-va) > 1e-12 || math.Abs(*v.ValueB-vb) > 1e-12 {
			t.Errorf("%s: verdict values %v %v, model metrics %v %v", v.Metric, *v.ValueA, *v.ValueB, va, vb)
		}
	}
	imp := cum.Impact
	v := findVerdict(cum.Verdicts, imp.Metric, SegmentAll, UnitUser)
	if imp.DeltaBMinusA.Low != -v.SequentialCI[1] || imp.DeltaBMinusA.High != -v.SequentialCI[0] || imp.Winner != v.Winner {
		t.Errorf("impact %+v from verdict %+v", imp.DeltaBMinusA, v)
	}
	if want := fmt.Sprintf("[%.4f, %.4f]", imp.DeltaBMinusA.Low, imp.DeltaBMinusA.High); !strings.Contains(string(page), want) {
		t.Errorf("the page's impact interval %s is missing", want)
	}
}

// precisionAt5 is Precision@5 per user with a relevant row, written out plainly.
func precisionAt5(rows []ratings.Rating, pred []float32) []float64 {
	byUser := map[int32][]int{}
	for i, r := range rows {
		byUser[r.User] = append(byUser[r.User], i)
	}
	var out []float64
	for _, idx := range byUser {
		rel := 0
		for _, i := range idx {
			if rows[i].Rating >= 4 {
				rel++
			}
		}
		if rel == 0 {
			continue
		}
		sort.Slice(idx, func(a, b int) bool {
			if pred[idx[a]] != pred[idx[b]] {
				return pred[idx[a]] > pred[idx[b]]
			}
			return rows[idx[a]].Item < rows[idx[b]].Item
		})
		hits := 0
		for k := 0; k < 5 && k < len(idx); k++ {
			if rows[idx[k]].Rating >= 4 {
				hits++
			}
		}
		out = append(out, float64(hits)/5)
	}
	return out
}

// putLog lists the keys written through it.
type putLog struct {
	blob.Bucket
	keys []string
}

func (p *putLog) Put(ctx context.Context, key string, r io.Reader, opts blob.PutOptions) (blob.Attrs, error) {
	p.keys = append(p.keys, key)
	return p.Bucket.Put(ctx, key, r, opts)
}

func TestRerunChangesNothingAndOrderDoesNotMatter(t *testing.T) {
	ctx := context.Background()
	one := newFixture(t)
	e := one.evaluator("alpha", "beta")
	if _, err := e.RunAll(ctx); err != nil {
		t.Fatal(err)
	}
	w := &putLog{Bucket: one.b}
	e.Bucket = w
	if _, err := e.RunAll(ctx); err != nil {
		t.Fatal(err)
	}
	if len(w.keys) != 0 {
		t.Fatalf("rerun rewrote %v", w.keys)
	}
	// Quality reports arriving one at a time, out of order, each followed by its event:
	// the same bytes in the end.
	two := newFixture(t)
	reports := map[int][]byte{}
	for d := 1; d <= fixtureDays; d++ {
		reports[d], _ = blob.ReadAll(ctx, two.b, layout.QualityReport(layout.Day(d)))
		two.b.Delete(ctx, layout.QualityReport(layout.Day(d)))
	}
	e2 := two.evaluator("alpha", "beta")
	for _, d := range []int{4, 1, 5, 3, 2} {
		blob.PutBytes(ctx, two.b, layout.QualityReport(layout.Day(d)), reports[d], blob.PutOptions{})
		if _, err := e2.OnKey(ctx, layout.Key{Kind: layout.KindQualityReport, Day: layout.Day(d)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, key := range []string{layout.ABResult(layout.Day(1)), layout.ABResult(layout.Day(4)), layout.ABUnits(layout.Day(5)), layout.ABSummary, layout.ABReport} {
		a, _ := blob.ReadAll(ctx, one.b, key)
		b, err := blob.ReadAll(ctx, two.b, key)
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between --all and out-of-order events (err %v)", key, err)
		}
	}
}

func TestIdenticalModelsNoSignificantDifference(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.preds["beta"] = constPred{"beta-const", 3.0}
	if _, err := f.evaluator("alpha", "beta").RunDays(ctx, []int{1}); err != nil {
		t.Fatal(err)
	}
	r := readResult(t, f.b, 1)
	if r.Comparison.Winner != WinnerNone || !strings.HasPrefix(r.Comparison.Verdict, "no significant difference") {
		t.Fatalf("identical predictions: verdict %q", r.Comparison.Verdict)
	}
}

func TestMissingChampionAndBaselineSpec(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	if _, err := f.evaluator("alpha", "ss4rec").RunAll(ctx); !errors.Is(err, ErrNoChampion) || !strings.Contains(err.Error(), "models/ss4rec/champion.json") {
		t.Fatalf("missing champion: %v", err)
	}
	done, err := f.evaluator("alpha", "baseline:history-aware-bias").RunDays(ctx, []int{2})
	if err != nil || !slices.Equal(done, []int{2}) {
		t.Fatalf("baseline as B: %v %v", done, err)
	}
	if r := readResult(t, f.b, 2); r.Models.B.Name != "history-aware-bias" || r.Models.B.Champion != nil {
		t.Errorf("B = %+v", r.Models.B)
	}
	if _, err := f.evaluator("alpha", "baseline:nope").RunAll(ctx); err == nil {
		t.Error("unknown baseline accepted")
	}
}

func TestOnKeyRouting(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	e := f.evaluator("alpha", "beta")
	tests := []struct {
		key  string
		want []int
	}{
		{layout.QualityReport(layout.Day(3)), []int{4, 5}}, // failed report: skipped; the later days its verdict makes final
		{layout.QualityDay(3) + "other.json", nil},
		{layout.Champion("gamma"), nil}, // not compared
		{layout.Champion("beta"), []int{1, 2, 4, 5}},
		{layout.QualityReport(layout.Day(2)), []int{2, 4, 5}}, // and the later days whose history it joins
	}
	for _, tt := range tests {
		k, _ := layout.Parse(tt.key) // a key outside the layout is the zero Key
		got, err := e.OnKey(ctx, k)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("OnKey(%s) = %v, %v; want %v", tt.key, got, err, tt.want)
		}
	}
	if _, err := e.RunDays(ctx, []int{9}); !errors.Is(err, ErrNotReleased) {
		t.Errorf("unreleased day: %v", err)
	}
}

// Days evaluated with other champions than the latest day stay in the trend but leave
// the cumulative view, with the reason.
func TestSummaryExcludesOtherChampions(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	if _, err := f.evaluator("alpha", "beta").RunAll(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.evaluator("alpha", "baseline:history-aware-bias").RunDays(ctx, []int{1}); err != nil {
		t.Fatal(err)
	}
	var s Summary
	if err := blob.ReadJSON(ctx, f.b, layout.ABSummary, &s); err != nil {
		t.Fatal(err)
	}
	if s.Days[0].InCumulative || !strings.Contains(s.Days[0].Excluded, "other champions") {
		t.Errorf("day 1 (other B) = %+v", s.Days[0])
	}
	if !slices.Equal(s.Cumulative.Days, []int{2, 4, 5}) {
		t.Errorf("cumulative days %v, want [2 4 5]", s.Cumulative.Days)
	}
}

// A result written by another process while the summary is being built is in the final
// summary: Rebuild checks the results after writing and rebuilds.
func TestRebuildSeesConcurrentResult(t *testing.T) {
	ctx := context.Background()
	ref := newFixture(t)
	if _, err := ref.evaluator("alpha", "beta").RunAll(ctx); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	injected := false
	e := f.evaluator("alpha", "beta")
	e.Bucket = blob.WithCommitHook(f.b, func(ctx context.Context, a blob.Attrs) {
		if a.Key != layout.ABSummary || injected {
			return
		}
		injected = true
		for _, k := range []string{layout.ABUnits(layout.Day(5)), layout.ABResult(layout.Day(5))} {
			data, _ := blob.ReadAll(ctx, ref.b, k)
			blob.PutBytes(ctx, f.b, k, data, blob.PutOptions{})
		}
	})
	if _, err := e.RunDays(ctx, []int{1, 2}); err != nil {
		t.Fatal(err)
	}
	var s Summary
	if err := blob.ReadJSON(ctx, f.b, layout.ABSummary, &s); err != nil {
		t.Fatal(err)
	}
	if !injected || !slices.Equal(s.Cumulative.Days, []int{1, 2, 5}) {
		t.Fatalf("summary days %v after a concurrent day-5 result (injected %v)", s.Cumulative.Days, injected)
	}
}

// The fixture's day-1 result, byte for byte (go test ./abtest -run TestResultGolden -update).
func TestResultGolden(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	if _, err := f.evaluator("alpha", "beta").RunDays(ctx, []int{1}); err != nil {
		t.Fatal(err)
	}
	got, err := blob.ReadAll(ctx, f.b, layout.ABResult(layout.Day(1)))
	if err != nil {
		t.Fatal(err)
	}
	golden := "testdata/result-day01.golden.json"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from %s (rerun with -update if the change is intended)", layout.ABResult(layout.Day(1)), golden)
	}
}

func TestCheckModelSpec(t *testing.T) {
	models := []string{"ncf", "ss4rec"}
	for _, tt := range []struct {
		spec string
		ok   bool
	}{
		{"ncf", true}, {"ss4rec", true}, {"baseline:history-bias", false}, {"baseline:history-aware-bias", true},
		{"baseline:global-mean", true}, {"baseline:user-item-bias", true},
		{"baseline:nope", false}, {"nope", false}, {"", false}, {"baseline:", false},
	} {
		if err := CheckModelSpec(tt.spec, models); (err == nil) != tt.ok {
			t.Errorf("CheckModelSpec(%q) = %v, want ok %v", tt.spec, err, tt.ok)
		}
	}
}
