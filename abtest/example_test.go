package abtest_test

import (
	"fmt"

	"github.com/recpipe/recpipe/abtest"
)

// The paired t-test on Student's sleep data (R: t.test(extra ~ group, data = sleep,
// paired = TRUE) gives t = -4.0621, df = 9, p-value = 0.002833).
func ExamplePairedTTest() {
	g1 := []float64{0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0}
	g2 := []float64{1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4}
	d := make([]float64, len(g1))
	for i := range d {
		d[i] = g1[i] - g2[i]
	}
	r := abtest.PairedTTest(d)
	fmt.Printf("t = %.4f, df = %.0f, p = %.6f, d_z = %.3f\n", r.T, r.DF, r.P, abtest.CohenDz(d))
	// Output: t = -4.0621, df = 9, p = 0.002833, d_z = -1.285
}

// Ranking metrics of one user's list: relevance flags in the order the model ranked.
func ExampleRankAt() {
	m, ok := abtest.RankAt([]bool{false, true, false, true}, 2)
	fmt.Printf("ok=%v P@2=%.2f R@2=%.2f NDCG@2=%.4f hit=%.0f\n", ok, m.Precision, m.Recall, m.NDCG, m.Hit)
	// Output: ok=true P@2=0.50 R@2=0.50 NDCG@2=0.3869 hit=1
}
