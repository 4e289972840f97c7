package svgchart

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// Ticks traced by hand: range 0.83..1.17 in ~5 steps → raw step 0.068, rounded up to 0.1.
func TestNiceTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		want   []float64
	}{
		{0.83, 1.17, []float64{0.8, 0.9, 1, 1.1, 1.2}},
		{0, 1000, []float64{0, 200, 400, 600, 800, 1000}},
		{0, 1, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
	}
	for _, tt := range tests {
		if got := niceTicks(tt.lo, tt.hi, 5); !slices.EqualFunc(got, tt.want, func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }) {
			t.Errorf("niceTicks(%v, %v) = %v, want %v", tt.lo, tt.hi, got, tt.want)
		}
	}
}

func TestChartSVG(t *testing.T) {
	lo, hi := 0.8, 1.0
	c := Chart{Title: "RMSE & co", XLabel: "epoch", YLabel: "RMSE", XS: []int{1, 2},
		Series: []Series{{Name: "a", Color: "#000", Points: []Point{{X: 1, Y: 0.9, Low: &lo, High: &hi}, {X: 2, Y: 0.85}}}}}
	svg := c.SVG()
	for _, want := range []string{"<svg", "RMSE &amp; co", "<polyline", ">epoch<", "a epoch 1: 0.9"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q:\n%s", want, svg)
		}
	}
	if got := strings.Count(svg, "<circle"); got != 2 {
		t.Errorf("%d points drawn, want 2", got)
	}
	if empty := (Chart{Title: "x"}).SVG(); !strings.Contains(empty, "no data") {
		t.Errorf("empty chart: %s", empty)
	}
	if !strings.Contains((Chart{XS: []int{1}, Series: c.Series}).SVG(), ">day<") {
		t.Error("default x label is not day")
	}
}

func TestPage(t *testing.T) {
	p := Page("T <1>", Chart{Title: "c"})
	if !strings.HasPrefix(p, "<!DOCTYPE html>") || !strings.Contains(p, "T &lt;1&gt;") || strings.Contains(p, "<script") {
		t.Errorf("page: %s", p)
	}
}
