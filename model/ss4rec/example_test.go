package ss4rec_test

import (
	"fmt"

	"github.com/recpipe/recpipe/model/ss4rec"
)

// The gap τ the S5 layer sees: 1 + log1p of the gap in hours. A same-second tie is
// one unit (the time-blind step), and decades stay small and finite.
func ExampleGapScale() {
	for _, g := range []struct {
		name    string
		seconds int64
	}{{"same second", 0}, {"one minute", 60}, {"one hour", 3600}, {"one day", 86400}, {"twenty years", 20 * 365 * 86400}} {
		fmt.Printf("%-12s τ = %.3f\n", g.name, ss4rec.GapScale(g.seconds))
	}
	// Output:
	// same second  τ = 1.000
	// one minute   τ = 1.017
	// one hour     τ = 1.693
	// one day      τ = 4.219
	// twenty years τ = 13.074
}
