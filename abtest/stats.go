package abtest

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// StudentTCDF is P(T ≤ t) for Student's t distribution with df degrees of freedom
// (gonum's distuv.StudentsT, standard location and scale).
func StudentTCDF(t, df float64) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.CDF(t)
}

// TTest is the outcome of a paired t-test on differences.
type TTest struct {
	N    int     // pairs
	Mean float64 // mean difference
	SD   float64 // sample standard deviation of the differences (n−1)
	T    float64 // t statistic; ±Inf when SD is 0 and Mean is not
	DF   float64
	P    float64 // two-sided p-value
}

// PairedTTest tests whether the mean of the paired differences d is zero (two-sided),
// like scipy.stats.ttest_rel or R's t.test(paired=TRUE). With fewer than two pairs the
// p-value is NaN. When every difference is equal, p is 1 for a zero mean and 0 otherwise.
func PairedTTest(d []float64) TTest {
	n := len(d)
	r := TTest{N: n, DF: float64(n - 1)}
	if n == 0 {
		r.Mean, r.SD, r.T, r.P = math.NaN(), math.NaN(), math.NaN(), math.NaN()
		return r
	}
	r.Mean, r.SD = meanSD(d)
	if n < 2 {
		r.T, r.P = math.NaN(), math.NaN()
		return r
	}
	if r.SD == 0 {
		if r.Mean == 0 {
			r.T, r.P = 0, 1
		} else {
			r.T, r.P = math.Copysign(math.Inf(1), r.Mean), 0
		}
		return r
	}
	r.T = r.Mean / (r.SD / math.Sqrt(float64(n)))
	r.P = mathext.RegIncBeta(r.DF/2, 0.5, r.DF/(r.DF+r.T*r.T)) // P(|T| > |t|) = I_{df/(df+t²)}(df/2, 1/2)
	return r
}

// CohenDz is the standardized mean of paired differences, mean/sd (NaN when sd is 0).
func CohenDz(d []float64) float64 {
	if len(d) < 2 {
		return math.NaN()
	}
	m, sd := meanSD(d)
	if sd == 0 {
		return math.NaN()
	}
	return m / sd
}

func meanSD(d []float64) (mean, sd float64) {
	for _, v := range d {
		mean += v
	}
	mean /= float64(len(d))
	if len(d) < 2 {
		return mean, math.NaN()
	}
	var ss float64
	for _, v := range d {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss / float64(len(d)-1))
}

// Holm returns Holm–Bonferroni adjusted p-values (step-down, monotone, capped at 1), in
// the input order. NaN p-values are passed through and do not count as hypotheses.
func Holm(p []float64) []float64 {
	idx := make([]int, 0, len(p))
	for i, v := range p {
		if !math.IsNaN(v) {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	out := make([]float64, len(p))
	for i := range out {
		out[i] = math.NaN()
	}
	m := len(idx)
	running := 0.0
	for rank, i := range idx {
		adj := math.Min(1, float64(m-rank)*p[i])
		running = math.Max(running, adj)
		out[i] = running
	}
	return out
}

// Quantile is the type-7 (linear interpolation) quantile of sorted values, as numpy's
// default and R's quantile(type=7).
func Quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	h := q * float64(len(sorted)-1)
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (h-lo)*(sorted[i+1]-sorted[i])
}
