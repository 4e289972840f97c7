package abtest

import (
	"bytes"
	"encoding/json"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"
)

// unitsFromDiffs builds units whose MAE sums under A are d and under B zero, one row
// per user, so the MAE difference of a resample is the mean of its drawn d.
func unitsFromDiffs(d []float64) *Units {
	users := make([]int32, len(d))
	for i := range users {
		users[i] = int32(i + 1)
	}
	u := NewUnits(users)
	mae := MetricIndex("mae")
	for i, v := range d {
		r := u.Row(i)
		r[WRows] = 1
		r[aIdx(mae)] = v
	}
	return u
}

// The bootstrap percentile interval of a mean approaches the normal-theory interval
// mean ± z·s/√n, with z = 1.959964 (standard normal table), for a large sample.
func TestBootstrapMatchesNormalTheory(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	d := make([]float64, 400)
	for i := range d {
		d[i] = rng.NormFloat64()*2 + 0.3
	}
	u := unitsFromDiffs(d)
	mae := MetricIndex("mae")
	b := Bootstrap(u, 1, 10000, 0.95)
	m, sd := meanSD(d)
	half := 1.959964 * sd / math.Sqrt(float64(len(d)))
	ci := b.Diff[mae]
	if !near(ci.Low, m-half, 0.1*half) || !near(ci.High, m+half, 0.1*half) {
		t.Fatalf("bootstrap CI %+v, normal theory [%v, %v]", ci, m-half, m+half)
	}
	if b.Resamples[mae] != 10000 {
		t.Errorf("resamples = %d", b.Resamples[mae])
	}
	// One row per user: the mean per-user difference is the aggregate difference.
	if u := b.UserDiff[mae]; !near(u.Low, ci.Low, 1e-12) || !near(u.High, ci.High, 1e-12) {
		t.Errorf("per-user interval %+v, aggregate %+v", u, ci)
	}
}

// On the sleep data the percentile interval is close to R's t interval (-2.46, -0.70):
// the bootstrap ignores the t correction for n=10, so it is somewhat narrower.
func TestBootstrapSleep(t *testing.T) {
	b := Bootstrap(unitsFromDiffs(sleepDiffs()), 1, 20000, 0.95)
	ci := b.Diff[MetricIndex("mae")]
	if !near(ci.Low, -2.46, 0.3) || !near(ci.High, -0.70, 0.3) || ci.Low < -2.46 || ci.High > -0.70 {
		t.Fatalf("sleep bootstrap CI %+v; t interval [-2.46, -0.70]", ci)
	}
}

func TestBootstrapDeterministic(t *testing.T) {
	u := unitsFromDiffs(sleepDiffs())
	a := Bootstrap(u, 42, 1000, 0.95)
	b := Bootstrap(u, 42, 1000, 0.95)
	c := Bootstrap(u, 43, 1000, 0.95)
	m := MetricIndex("mae")
	if a.Diff[m] != b.Diff[m] {
		t.Fatalf("same seed, different CI: %+v vs %+v", a.Diff[m], b.Diff[m])
	}
	if a.Diff[m] == c.Diff[m] {
		t.Fatalf("different seeds gave the same CI %+v", a.Diff[m])
	}
}

func TestMergeSumsPerUser(t *testing.T) {
	a := NewUnits([]int32{3, 1})
	a.Row(0)[WRows], a.Row(1)[WRows] = 2, 1
	b := NewUnits([]int32{1, 2})
	b.Row(0)[WRows], b.Row(1)[WRows] = 5, 7
	m := Merge(a, b)
	want := map[int32]float64{1: 6, 2: 7, 3: 2}
	if m.Len() != 3 {
		t.Fatalf("users %v", m.Users)
	}
	for i, id := range m.Users {
		if m.Row(i)[WRows] != want[id] {
			t.Errorf("user %d weight %v, want %v", id, m.Row(i)[WRows], want[id])
		}
		if i > 0 && m.Users[i-1] >= id {
			t.Errorf("users not sorted: %v", m.Users)
		}
	}
}

// resampleSums against the plain algorithm: draw a row, add it.
func TestResampleSumsMatchesDraws(t *testing.T) {
	for _, n := range []int{1, 7, 1500} {
		const s = 5
		data := make([]float64, n*s)
		rng := rand.New(rand.NewPCG(9, uint64(n)))
		for i := range data {
			data[i] = rng.NormFloat64()
		}
		got := map[int][]float64{}
		resampleSums(data, n, s, 3, 130, func(r int, sums []float64) { got[r] = append([]float64(nil), sums...) })
		if len(got) != 130 {
			t.Fatalf("n=%d: %d replicates", n, len(got))
		}
		for r := range 130 {
			var pcg rand.PCG
			pcg.Seed(3, uint64(r))
			want := make([]float64, s)
			for range n {
				hi, _ := bits.Mul64(pcg.Uint64(), uint64(n))
				for j := range s {
					want[j] += data[int(hi)*s+j]
				}
			}
			for j := range s {
				if !near(got[r][j], want[j], 1e-9*(1+math.Abs(want[j]))) {
					t.Fatalf("n=%d replicate %d column %d: %v, want %v", n, r, j, got[r][j], want[j])
				}
			}
		}
	}
}

// randomUnits fills n users' rows with random weights and sums.
func randomUnits(n int, seed uint64) *Units {
	rng := rand.New(rand.NewPCG(seed, 9))
	users := make([]int32, n)
	for i := range users {
		users[i] = int32(i + 1)
	}
	u := NewUnits(users)
	for i := range n {
		row := u.Row(i)
		for g := range weights {
			row[g] = float64(rng.IntN(4))
		}
		for j := weights; j < len(row); j++ {
			row[j] = rng.Float64() * 7
		}
		u.Returning[i] = rng.IntN(3) > 0
	}
	return u
}

func sameBits(a, b []Interval) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i].Low) != math.Float64bits(b[i].Low) || math.Float64bits(a[i].High) != math.Float64bits(b[i].High) {
			return false
		}
	}
	return true
}

// Sharing the draws among units of the same users gives each one Bootstrap's
// intervals bit for bit, whatever the number of users and of units side by side.
func TestBootstrapSharedEqualsBootstrap(t *testing.T) {
	for _, n := range []int{0, 1, 7, 511, 513, 1500} {
		u := randomUnits(n, uint64(n))
		us := []*Units{u, u.Pair(SideA, SideBar), u.Pair(SideB, SideBar)}
		for k := 1; k <= len(us); k++ {
			got := BootstrapShared(us[:k], 5, 300, 0.9)
			for j := range k {
				want := bootstrapRef(us[j], 5, 300, 0.9)
				if !sameBits(got[j].A, want.A) || !sameBits(got[j].B, want.B) || !sameBits(got[j].Diff, want.Diff) ||
					!sameBits(got[j].UserDiff, want.UserDiff) || !slices.Equal(got[j].Resamples, want.Resamples) {
					t.Errorf("%d users, %d units: units %d differ from Bootstrap", n, k, j)
				}
			}
		}
	}
}

// judgeLast gives judge's and judgeBar's verdicts, their bootstraps shared.
func TestJudgeLastEqualsJudgeAndJudgeBar(t *testing.T) {
	u := randomUnits(700, 3)
	st := DefaultStats
	st.Resamples = 400
	for _, bar := range []string{BarName, "", "ncf"} {
		v, bv := judgeLast(u, st, "ncf", "ss4rec", bar)
		wv, wbv := judge(u, st, "ncf", "ss4rec", true), judgeBar(u, st, "ncf", "ss4rec", bar)
		a, err := json.Marshal([][]Verdict{v, bv})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal([][]Verdict{wv, wbv})
		if len(v) == 0 || !bytes.Equal(a, b) {
			t.Errorf("bar %q: judgeLast differs from judge and judgeBar", bar)
		}
	}
}

// bootstrapRef is Bootstrap as it was before the draws were shared: every column of
// the extended rows summed, one units at a time.
func bootstrapRef(u *Units, seed uint64, resamples int, conf float64) Boot {
	nm := len(Metrics)
	base := Stride()
	data, s := extended(u)
	rep := func() [][]float64 {
		out := make([][]float64, nm)
		for m := range out {
			out[m] = make([]float64, resamples)
		}
		return out
	}
	repA, repB, repD, repU := rep(), rep(), rep(), rep()
	resampleSums(data, u.Len(), s, seed, resamples, func(r int, acc []float64) {
		for m := range nm {
			wt := acc[Metrics[m].Weight]
			a, b := stat(m, wt, acc[aIdx(m)]), stat(m, wt, acc[bIdx(m)])
			repA[m][r], repB[m][r], repD[m][r] = a, b, a-b
			repU[m][r] = math.NaN()
			if users := acc[base+Metrics[m].Weight]; users > 0 {
				repU[m][r] = acc[base+weights+m] / users
			}
		}
	})
	out := Boot{A: make([]Interval, nm), B: make([]Interval, nm), Diff: make([]Interval, nm),
		UserDiff: make([]Interval, nm), Resamples: make([]int, nm)}
	for m := range nm {
		out.A[m], out.B[m] = percentile(repA[m], conf), percentile(repB[m], conf)
		out.Diff[m], out.UserDiff[m] = percentile(repD[m], conf), percentile(repU[m], conf)
		out.Resamples[m] = countDefined(repU[m])
	}
	return out
}
