package svgchart

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Point is one x position of a chart series; Low/High draw an interval bar.
type Point struct {
	X         int
	Y         float64
	Low, High *float64
}

// Series is a named line (or bars) of a chart.
type Series struct {
	Name   string
	Color  string
	Dashed bool
	Points []Point
}

// Chart is an inline SVG chart over integer x positions (days, epochs).
type Chart struct {
	Title  string
	XLabel string // default "day"
	YLabel string
	XS     []int // the x positions, in order
	Series []Series
	Bars   bool // draw the series as grouped bars from 0
}

const (
	chartW, chartH         = 1100, 300
	padL, padR, padT, padB = 70, 200, 34, 40
	plotW, plotH           = chartW - padL - padR, chartH - padT - padB
	defaultDigits          = 3
)

// SVG renders the chart as a self-contained <svg> element.
func (c Chart) SVG() string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`,
		chartW, chartH, chartW, chartH, html.EscapeString(c.Title))
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="15" font-weight="bold">%s</text>`, padL, html.EscapeString(c.Title))
	lo, hi, ok := c.yRange()
	if !ok || len(c.XS) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13">no data</text></svg>`, padL, padT+plotH/2)
		return b.String()
	}
	ticks := niceTicks(lo, hi, 5)
	lo, hi = math.Min(lo, ticks[0]), math.Max(hi, ticks[len(ticks)-1])
	y := func(v float64) float64 { return float64(padT) + float64(plotH)*(1-(v-lo)/(hi-lo)) }
	step := float64(plotW) / float64(len(c.XS))
	x := func(i int) float64 { return float64(padL) + step*(float64(i)+0.5) }
	// Axes and grid.
	for _, t := range ticks {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>`, padL, padL+plotW, y(t), y(t))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-size="11" text-anchor="end">%s</text>`, padL-6, y(t)+4, fmtTick(t))
	}
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#333"/>`, padL, padL+plotW, padT+plotH, padT+plotH)
	for i, d := range c.XS {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" text-anchor="middle">%d</text>`, x(i), padT+plotH+15, d)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" text-anchor="middle">%s</text>`, padL+plotW/2, chartH-6, html.EscapeString(c.xLabel()))
	fmt.Fprintf(&b, `<text x="14" y="%d" font-size="11" transform="rotate(-90 14 %d)" text-anchor="middle">%s</text>`,
		padT+plotH/2, padT+plotH/2, html.EscapeString(c.YLabel))
	pos := map[int]int{}
	for i, d := range c.XS {
		pos[d] = i
	}
	n := len(c.Series)
	for si, s := range c.Series {
		color := html.EscapeString(s.Color)
		if c.Bars {
			bw := step * 0.8 / float64(n)
			for _, p := range s.Points {
				x0 := x(pos[p.X]) - step*0.4 + bw*float64(si)
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s %d: %s</title></rect>`,
					x0, y(p.Y), bw, y(lo)-y(p.Y), color, html.EscapeString(s.Name), html.EscapeString(c.xLabel()), p.X, fmtTick(p.Y))
			}
		} else {
			var path []string
			for _, p := range s.Points {
				path = append(path, fmt.Sprintf("%.1f,%.1f", x(pos[p.X]), y(p.Y)))
			}
			dash := ""
			if s.Dashed {
				dash = ` stroke-dasharray="5,4"`
			}
			fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>`, strings.Join(path, " "), color, dash)
			off := (float64(si) - float64(n-1)/2) * 4
			for _, p := range s.Points {
				px := x(pos[p.X]) + off
				if p.Low != nil && p.High != nil {
					fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5"/>`, px, px, y(*p.Low), y(*p.High), color)
					for _, v := range []float64{*p.Low, *p.High} {
						fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s"/>`, px-4, px+4, y(v), y(v), color)
					}
				}
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s %s %d: %s</title></circle>`,
					px, y(p.Y), color, html.EscapeString(s.Name), html.EscapeString(c.xLabel()), p.X, fmtTick(p.Y))
			}
		}
		ly := padT + 14 + 18*si
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="14" height="4" fill="%s"/>`, padL+plotW+14, ly-4, color)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12">%s</text>`, padL+plotW+34, ly, html.EscapeString(s.Name))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func (c Chart) xLabel() string {
	if c.XLabel == "" {
		return "day"
	}
	return c.XLabel
}

// Page wraps charts in a minimal self-contained HTML page (no scripts, no external resources).
func Page(title string, charts ...Chart) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s</title></head>\n<body style=\"font-family:sans-serif\">\n<h1 style=\"font-size:20px\">%s</h1>\n", html.EscapeString(title), html.EscapeString(title))
	for _, c := range charts {
		b.WriteString(c.SVG())
		b.WriteString("\n")
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

func (c Chart) yRange() (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range c.Series {
		for _, p := range s.Points {
			for _, v := range []*float64{&p.Y, p.Low, p.High} {
				if v != nil && !math.IsNaN(*v) {
					lo, hi = math.Min(lo, *v), math.Max(hi, *v)
				}
			}
		}
	}
	if math.IsInf(lo, 1) {
		return 0, 0, false
	}
	if c.Bars {
		lo = math.Min(lo, 0)
	}
	if hi == lo {
		hi = lo + 1
	}
	return lo, hi, true
}

// niceTicks returns about n round tick values covering [lo, hi].
func niceTicks(lo, hi float64, n int) []float64 {
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var out []float64
	for v := math.Floor(lo/step) * step; v <= hi+step*1e-9; v += step {
		out = append(out, math.Round(v/step)*step)
	}
	if out[len(out)-1] < hi {
		out = append(out, out[len(out)-1]+step)
	}
	return out
}

func fmtTick(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.*g", defaultDigits+1, v)
}
