package results

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/abtest"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/schemas"
)

func f(v float64) *float64 { return &v }

// runBucket holds what one run leaves for results to read: the prepared manifest, two
// champions with their training summaries, and ab-eval's summary over 20 days.
func runBucket(t *testing.T, days int, baselineVal float64) blob.Bucket {
	t.Helper()
	ctx := context.Background()
	b := blob.NewMem()
	put := func(key string, v any) {
		data, err := blob.MarshalJSON(v)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := blob.PutBytes(ctx, b, key, data, blob.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	put(layout.PreparedManifest("ml-latest-small"), map[string]any{"dataset": "ml-latest-small",
		"splits": map[string]any{"train": map[string]int{"rows": 700}, "val": map[string]int{"rows": 80}, "test": map[string]int{"rows": 200}}})
	score := func(rmse float64) map[string]map[string]float64 {
		return map[string]map[string]float64{"all": {"rmse": rmse}}
	}
	for _, m := range []struct {
		name          string
		val, test     float64
		baseVal, base float64
	}{{"ncf", 0.88, 1.06, 0.884, 0.877}, {"ss4rec", 0.85, 0.84, baselineVal, 0.877}} {
		sk := layout.ModelRunFile(m.name, "r-"+m.name, "summary.json")
		put(layout.Champion(m.name), map[string]any{"schema": "champion/v1", "model": m.name, "run": "r-" + m.name,
			"dataset": "ml-latest-small", "summary_key": sk})
		put(sk, map[string]any{"model": m.name, "run": "r-" + m.name, "dataset": "ml-latest-small",
			"config_key": layout.ModelRunFile(m.name, "r-"+m.name, "config.yaml"),
			"validation": map[string]any{m.name: score(m.val), "history-aware-bias": score(m.baseVal)},
			"test":       map[string]any{m.name: score(m.test), "history-aware-bias": score(m.base)}})
	}
	st := abtest.DefaultStats
	seg := func(name string, rmse float64) abtest.SegmentMetrics {
		return abtest.SegmentMetrics{Segment: name, RMSE: f(rmse), MAE: f(rmse * 0.8)}
	}
	mm := func(name, role string, rmse, newRMSE, retRMSE float64) abtest.ModelMetrics {
		return abtest.ModelMetrics{Name: name, Role: role, RMSE: rmse, MAE: rmse * 0.8,
			Segments: []abtest.SegmentMetrics{seg(abtest.SegmentNew, newRMSE), seg(abtest.SegmentReturning, retRMSE)}}
	}
	v := abtest.Verdict{A: "ncf", B: "ss4rec", Metric: "rmse", LowerIsBetter: true, Segment: abtest.SegmentAll, Unit: abtest.UnitUser,
		Users: 10, Count: 10, EffectiveUsers: 10, ValueA: f(1.1), ValueB: f(0.9), Diff: f(0.2), FixedCI: &abtest.Bounds{0.1, 0.3},
		SequentialCI: &abtest.Bounds{0.05, 0.35}, PSequential: f(0.001), PHolm: f(0.01), Winner: abtest.WinnerB}
	var dl []int
	for d := 1; d <= days; d++ {
		dl = append(dl, d)
	}
	sum := abtest.Summary{Schema: abtest.SummarySchema, Dataset: "ml-latest-small",
		Models: abtest.Models{A: abtest.ModelRef{Spec: "ncf", Name: "ncf"}, B: abtest.ModelRef{Spec: "ss4rec", Name: "ss4rec"}},
		Days:   []abtest.DayTrend{},
		Cumulative: &abtest.Cumulative{Days: dl, Rows: 200, Users: 10, Stats: st, Method: abtest.VerdictMethod,
			Segments: []abtest.SegmentPopulation{{Segment: "all", Rows: 200, Users: 10}, {Segment: "new_users", Rows: 150, Users: 7}, {Segment: "returning_users", Rows: 50, Users: 3}},
			Metrics: []abtest.ModelMetrics{mm("ncf", abtest.RoleA, 1.06, 1.08, 0.95), mm("ss4rec", abtest.RoleB, 0.84, 0.83, 0.9),
				mm("history-aware-bias", abtest.RoleBaseline, 0.877, 0.87, 0.9)},
			Winner: abtest.WinnerB, Verdict: v.Sentence(st), Verdicts: []abtest.Verdict{v}},
		Inputs: []abtest.Input{}}
	put(layout.ABSummary, sum)
	return b
}

func TestBuild(t *testing.T) {
	d, err := Build(context.Background(), runBucket(t, layout.Days, 0.884))
	if err != nil {
		t.Fatal(err)
	}
	if d.Split != (Split{700, 80, 200}) || d.Feed.Rows != 200 || d.A != "ncf" || d.Winner != abtest.WinnerB {
		t.Errorf("doc %+v", d)
	}
	want := map[string][4]float64{ // val, test, new, returning
		"ncf": {0.88, 1.06, 1.08, 0.95}, "ss4rec": {0.85, 0.84, 0.83, 0.9}, "history-aware-bias": {0.884, 0.877, 0.87, 0.9}}
	for name, w := range want {
		m, ok := d.Models[name]
		if !ok || *m.ValRMSE != w[0] || *m.TestRMSE != w[1] || *m.TestRMSENew != w[2] || *m.TestRMSEReturning != w[3] {
			t.Errorf("%s: %+v, want %v", name, m, w)
		}
	}
	if d.Models["ncf"].Run != "r-ncf" || d.Models["history-aware-bias"].Run != "" {
		t.Errorf("runs: %+v", d.Models)
	}
	if len(d.Sources) != 6 || d.Sources[0].Key != layout.ABSummary {
		t.Errorf("sources %+v", d.Sources)
	}
	data, err := Encode(d)
	if err != nil {
		t.Fatal(err)
	}
	if err := schemas.Validate(data); err != nil {
		t.Fatal(err)
	}
	md := string(Markdown(d))
	for _, s := range []string{"| ncf | A | 0.8800 | 1.0600 | 1.0800 | 0.9500 |", "train 700 / val 80 / test 200", "7 new", "| rmse ↓ | all | user | 0.2000 | [0.0500, 0.3500] | [0.1000, 0.3000] | 0.01 | **ss4rec** |"} {
		if !strings.Contains(md, s) {
			t.Errorf("results.md lacks %q:\n%s", s, md)
		}
	}
}

func TestBuildRefusesPartialRuns(t *testing.T) {
	ctx := context.Background()
	if _, err := Build(ctx, runBucket(t, 19, 0.884)); !errors.Is(err, ErrIncomplete) {
		t.Errorf("19 days: %v, want ErrIncomplete", err)
	}
	if _, err := Build(ctx, runBucket(t, layout.Days, 0.9)); err == nil || !strings.Contains(err.Error(), "another run has") {
		t.Errorf("baselines disagreeing between runs: %v", err)
	}
	if _, err := Build(ctx, blob.NewMem()); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("empty bucket: %v", err)
	}
}

func TestQuote(t *testing.T) {
	readme := []byte("# x\n\n" + BeginMarker + "old\n" + EndMarker + "tail\n")
	got, err := Quote(readme, []byte("new\nlines\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "# x\n\n" + BeginMarker + "new\nlines\n" + EndMarker + "tail\n"; string(got) != want {
		t.Fatalf("Quote = %q", got)
	}
	if q, _ := Quoted(got); string(q) != "new\nlines\n" {
		t.Errorf("Quoted = %q", q)
	}
	if _, err := Quote([]byte("no markers"), nil); !errors.Is(err, ErrNoMarkers) {
		t.Errorf("no markers: %v", err)
	}
}

// The committed docs/results.json is a valid results/v1 document, docs/results.md is
// what it renders to, and README.md quotes docs/results.md verbatim.
func TestCommittedResultsAgree(t *testing.T) {
	data, err := os.ReadFile("../../docs/results.json")
	if err != nil {
		t.Fatalf("%v (run make results)", err)
	}
	if err := schemas.Validate(data); err != nil {
		t.Fatalf("docs/results.json: %v", err)
	}
	var d Doc
	if err := jsonStrict(data, &d); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile("../../docs/results.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(Markdown(&d), md) {
		t.Error("docs/results.md is not what docs/results.json renders to: rerun make results")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	q, err := Quoted(readme)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(q, md) {
		t.Error("README.md's results section differs from docs/results.md: rerun make results (it rewrites the quote)")
	}
	if re, err := Encode(&d); err != nil || !bytes.Equal(re, data) {
		t.Errorf("docs/results.json does not round-trip through Doc (err %v): edited by hand?", err)
	}
}
