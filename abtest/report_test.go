package abtest

import (
	"bytes"
	"context"
	"flag"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// goldenSummary is a small hand-built summary: two days, A, B and one baseline, with
// verdicts computed on fixed units (no model code involved).
func goldenSummary(t *testing.T) Summary {
	t.Helper()
	u := NewUnits([]int32{1, 2, 3, 4, 5, 6})
	for i := range u.Users {
		r := u.Row(i)
		r[WRows], r[WRank] = 3, 1
		for m := range Metrics {
			r[aIdx(m)] = float64(i%3) + 1
			r[bIdx(m)] = float64(i%2) + 1.5
			r[sideIdx(SideBar, m)] = float64(i%2) + 1.25
		}
		u.Returning[i] = i < 3
	}
	verdicts := judge(u, DefaultStats, "ncf", "ss4rec", true)
	f := func(v float64) *float64 { return &v }
	iv := func(lo, hi float64) *Interval { return &Interval{Low: lo, High: hi} }
	passed, total := 9, 10
	day := func(d int, a, b, base float64) DayTrend {
		return DayTrend{Day: d, Rows: 1000 + d, Users: 100 + d, ColdRows: 900, Primary: "rmse",
			Quality: QualityRef{Key: layout.QualityReport(layout.Day(d)), Success: true, ChecksPassed: &passed, ChecksTotal: &total},
			Models: []TrendModel{
				{Name: "ncf", Role: RoleA, RMSE: a, RMSECI: iv(a-0.02, a+0.02), NDCG10: f(0.8), NDCG10CI: iv(0.78, 0.82)},
				{Name: "ss4rec", Role: RoleB, RMSE: b, RMSECI: iv(b-0.03, b+0.03), NDCG10: f(0.81), NDCG10CI: iv(0.79, 0.83)},
				{Name: "history-aware-bias", Role: RoleBaseline, RMSE: base, NDCG10: f(0.79)},
			},
			DayAloneDiff: f(a - b), DayAloneCI: iv(a-b-0.04, a-b+0.04), InCumulative: true, Look: lookOf(verdicts, "rmse")}
	}
	seg := func(name string, users, rows int) SegmentMetrics {
		return SegmentMetrics{Segment: name, RMSE: f(0.9), MAE: f(0.7), Ranking: map[string]float64{"ndcg@10": 0.8}}
	}
	c := &Cumulative{Days: []int{1, 2}, Rows: 2003, Users: 6, RankedUserDays: 6, Stats: DefaultStats, Method: VerdictMethod,
		Segments: []SegmentPopulation{{SegmentAll, 2003, 6, 6}, {SegmentNew, 1000, 3, 3}, {SegmentReturning, 1003, 3, 3}},
		Verdicts: verdicts, Impact: Project(verdicts, DefaultImpact()),
		Metrics: []ModelMetrics{{Name: "ncf", Role: RoleA, RMSE: 0.96, MAE: 0.75, Ranking: map[string]float64{"ndcg@10": 0.8},
			Segments: []SegmentMetrics{seg(SegmentNew, 3, 1000), seg(SegmentReturning, 3, 1003)}}}}
	c.Winner, c.Verdict = c.Primary().Winner, c.Primary().Sentence(DefaultStats)
	c.Bar, c.BarVerdicts = BarName, judgeBar(u, DefaultStats, "ncf", "ss4rec", BarName)
	days := []DayTrend{day(1, 0.95, 0.93, 0.94), day(2, 0.97, 0.96, 0.95)}
	days[1].Versions = []Input{{Key: layout.ModelVersion("ncf", 1), SHA256: strings.Repeat("cd", 32), Bytes: 1234}}
	return Summary{Schema: SummarySchema, Dataset: "ml-latest-small",
		Models:     Models{A: ModelRef{Spec: "ncf", Name: "ncf"}, B: ModelRef{Spec: "ss4rec", Name: "ss4rec"}},
		Days:       days,
		Cumulative: c,
		Inputs:     []Input{{Key: layout.ABResult(layout.Day(1)), SHA256: strings.Repeat("ab", 32), Bytes: 10}}}
}

func TestReportGolden(t *testing.T) {
	got, err := RenderReport(goldenSummary(t))
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "report.golden.html")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./abtest -run TestReportGolden -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("report differs from %s (rerun with -update if intended)", golden)
	}
}

func TestReportSelfContained(t *testing.T) {
	got, err := RenderReport(goldenSummary(t))
	if err != nil {
		t.Fatal(err)
	}
	page := string(got)
	if n := strings.Count(page, "<svg"); n != 5 {
		t.Errorf("%d charts, want 5 (cumulative verdict, RMSE, NDCG@10, volume, quality)", n)
	}
	for _, bad := range []string{"<script", "src=", "<link", "https://", "@import"} {
		if strings.Contains(page, bad) {
			t.Errorf("report is not self-contained: contains %q", bad)
		}
	}
	// Every http:// is the SVG namespace, not a resource.
	if strings.Count(page, "http://") != strings.Count(page, `xmlns="http://www.w3.org/2000/svg"`) {
		t.Error("report references an external http:// resource")
	}
	for _, want := range []string{"A: ncf", "B: ss4rec", "history-aware-bias", "monthly_active_users", "PLACEHOLDER", "always-valid", "fixed-horizon", "New users", "Returning users"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// TestReportScreenshot renders a report of the fixture in headless Chromium through
// scripts/report-screenshot.sh, when Debian's chromium is installed.
func TestReportScreenshot(t *testing.T) {
	if _, err := os.Stat("/usr/bin/chromium"); err != nil {
		t.Skip("/usr/bin/chromium not installed (scripts/report-screenshot.sh installs it)")
	}
	ctx := context.Background()
	f := newFixture(t)
	if _, err := f.evaluator("alpha", "beta").RunAll(ctx); err != nil {
		t.Fatal(err)
	}
	page, err := blob.ReadAll(ctx, f.b, layout.ABReport)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	html, shot := filepath.Join(dir, "report.html"), filepath.Join(dir, "report.png")
	if err := os.WriteFile(html, page, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(ctx, "../scripts/report-screenshot.sh", html, shot).CombinedOutput()
	if err != nil {
		t.Fatalf("screenshot: %v\n%s", err, out)
	}
	fh, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	img, err := png.Decode(fh)
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", shot, err)
	}
	b := img.Bounds()
	if b.Dx() != 1200 || b.Dy() != 1600 {
		t.Errorf("screenshot %dx%d, want 1200x1600", b.Dx(), b.Dy())
	}
	// Non-trivial: a rendered page with text and charts has many non-white pixels and colours.
	colours := map[[3]uint32]bool{}
	dark := 0
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
			if r>>8 < 200 || g>>8 < 200 || bl>>8 < 200 {
				dark++
			}
		}
	}
	if len(colours) < 20 || dark < 2000 {
		t.Errorf("screenshot looks blank: %d colours, %d non-white sampled pixels", len(colours), dark)
	}
	if keep := os.Getenv("AB_SCREENSHOT_OUT"); keep != "" {
		data, _ := os.ReadFile(shot)
		os.WriteFile(keep, data, 0o644)
	}
}
