package dashboard

// chart is a chart spec the page draws as SVG: series over integer x positions (days,
// epochs), optional interval bars, and horizontal reference lines (a threshold, zero).
type chart struct {
	ID     string    `json:"id"`
	Title  string    `json:"title"`
	Note   string    `json:"note,omitempty"`
	XLabel string    `json:"x_label"`
	YLabel string    `json:"y_label"`
	Kind   string    `json:"kind"` // "line" or "bars"
	XS     []int     `json:"xs"`
	Series []series  `json:"series"`
	Lines  []refLine `json:"lines,omitempty"`
}

type series struct {
	Name   string  `json:"name"`
	Dashed bool    `json:"dashed,omitempty"`
	Band   bool    `json:"band,omitempty"` // draw Lo..Hi as a shaded band instead of bars
	Dots   bool    `json:"dots,omitempty"` // points (and their intervals) without a line: values that do not carry over
	Points []point `json:"points"`
}

type point struct {
	X  int      `json:"x"`
	Y  float64  `json:"y"`
	Lo *float64 `json:"lo,omitempty"`
	Hi *float64 `json:"hi,omitempty"`
}

type refLine struct {
	Y     float64 `json:"y"`
	Label string  `json:"label"`
}

// days returns 1..n.
func days(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

// add appends p to the series named name, which it creates at the end when missing.
func (c *chart) add(name string, p point) {
	for i := range c.Series {
		if c.Series[i].Name == name {
			c.Series[i].Points = append(c.Series[i].Points, p)
			return
		}
	}
	c.Series = append(c.Series, series{Name: name, Points: []point{p}})
}
