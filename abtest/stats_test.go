package abtest

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mathext"
)

// The t-test's p-value is gonum's regularized incomplete beta I_x(a, b) (mathext takes
// a, b, x in that order); these closed forms pin the argument order PairedTTest uses.
func TestRegIncBetaIdentities(t *testing.T) {
	tests := []struct {
		x, a, b, want float64
	}{
		{0.3, 1, 1, 0.3},                  // I_x(1,1) = x
		{0.3, 2, 1, 0.09},                 // I_x(a,1) = x^a
		{0.3, 1, 3, 1 - math.Pow(0.7, 3)}, // I_x(1,b) = 1 − (1−x)^b
		{0.5, 7.5, 7.5, 0.5},              // symmetry
		{0.9, 0.5, 0.5, 2 / math.Pi * math.Asin(math.Sqrt(0.9))}, // arcsine law
	}
	for _, tt := range tests {
		if got := mathext.RegIncBeta(tt.a, tt.b, tt.x); !near(got, tt.want, 1e-12) {
			t.Errorf("I_%v(%v,%v) = %v, want %v", tt.x, tt.a, tt.b, got, tt.want)
		}
	}
}

// Two-sided critical values of Student's t from a standard t table (e.g. NIST/SEMATECH
// e-Handbook of Statistical Methods, §1.3.6.7.2): P(|T| > t) equals the column's α.
func TestStudentTTable(t *testing.T) {
	tests := []struct {
		t, df, alpha float64
	}{
		{12.706, 1, 0.05},
		{2.228, 10, 0.05},
		{3.169, 10, 0.01},
		{1.812, 10, 0.10},
		{2.086, 20, 0.05},
		{2.845, 20, 0.01},
		{1.984, 100, 0.05},
	}
	for _, tt := range tests {
		got := 2 * (1 - StudentTCDF(tt.t, tt.df))
		if !near(got, tt.alpha, 5e-4) {
			t.Errorf("P(|T|>%v; df=%v) = %v, table %v", tt.t, tt.df, got, tt.alpha)
		}
	}
	if got := StudentTCDF(0, 5); !near(got, 0.5, 1e-15) {
		t.Errorf("CDF(0) = %v", got)
	}
	if got := StudentTCDF(-2.228, 10); !near(got, 0.025, 5e-4) {
		t.Errorf("CDF(-2.228; 10) = %v, want 0.025", got)
	}
}

// Student's sleep data (Cushny & Peebles 1905), the example of R's t.test documentation:
// t.test(extra ~ group, data = sleep, paired = TRUE) prints
// t = -4.0621, df = 9, p-value = 0.002833, mean difference -1.58,
// 95 percent confidence interval -2.4598858 -0.7001142.
var sleep1 = []float64{0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0}
var sleep2 = []float64{1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4}

func sleepDiffs() []float64 {
	d := make([]float64, len(sleep1))
	for i := range d {
		d[i] = sleep1[i] - sleep2[i]
	}
	return d
}

func TestPairedTTestSleep(t *testing.T) {
	r := PairedTTest(sleepDiffs())
	if !near(r.T, -4.0621, 5e-5) || r.DF != 9 || !near(r.P, 0.002833, 5e-7) || !near(r.Mean, -1.58, 1e-12) {
		t.Fatalf("sleep paired t-test = %+v; R: t=-4.0621 df=9 p=0.002833", r)
	}
	// Cohen's d_z = mean/sd of the differences; sd = 1.229995 (R: sd(extra[1:10]-extra[11:20])).
	if got := CohenDz(sleepDiffs()); !near(got, -1.58/1.229995, 1e-5) {
		t.Errorf("d_z = %v", got)
	}
}

func TestPairedTTestDegenerate(t *testing.T) {
	tests := []struct {
		name string
		d    []float64
		p    float64
	}{
		{"all zero", []float64{0, 0, 0}, 1},
		{"constant nonzero", []float64{0.5, 0.5}, 0},
	}
	for _, tt := range tests {
		if got := PairedTTest(tt.d).P; got != tt.p {
			t.Errorf("%s: p = %v, want %v", tt.name, got, tt.p)
		}
	}
	if !math.IsNaN(PairedTTest([]float64{1}).P) {
		t.Error("one pair must give NaN p")
	}
}

func TestHolm(t *testing.T) {
	// Hand computation (same as statsmodels multipletests(method="holm")):
	// sorted 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → max(0.06, 0.04).
	got := Holm([]float64{0.01, 0.04, 0.03, 0.005, math.NaN()})
	want := []float64{0.03, 0.06, 0.06, 0.02}
	for i, w := range want {
		if !near(got[i], w, 1e-12) {
			t.Fatalf("Holm = %v, want %v", got, want)
		}
	}
	if !math.IsNaN(got[4]) {
		t.Error("NaN must pass through")
	}
	if got := Holm([]float64{0.6, 0.7}); got[0] != 1 || got[1] != 1 {
		t.Errorf("capped at 1: %v", got)
	}
}

func TestQuantileType7(t *testing.T) {
	s := []float64{1, 2, 3, 4}
	// numpy.quantile([1,2,3,4], [0.25, 0.5, 0.975]) = 1.75, 2.5, 3.925
	for q, want := range map[float64]float64{0.25: 1.75, 0.5: 2.5, 0.975: 3.925, 0: 1, 1: 4} {
		if got := Quantile(s, q); !near(got, want, 1e-12) {
			t.Errorf("Quantile(%v) = %v, want %v", q, got, want)
		}
	}
}
