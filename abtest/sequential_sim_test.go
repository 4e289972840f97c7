package abtest

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The simulations behind the sequential verdict: experiments shaped like the 20-day feed
// of ml-latest-small (users arriving on different days, a quarter of them returning,
// heavy-tailed rows per user, a user-level error shared by both arms), the cumulative
// comparison read after every day as ab-eval does. Each experiment counts as a
// declaration when any of its 20 looks names a winner on RMSE.
//
//	go test ./abtest -run Simulation -v    # prints the rates
const (
	simExperiments = 1000
	simDays        = 20
	simUsers       = 120
	simAlpha       = 0.05
)

// simOutcome counts, over the experiments, those where a rule declared a winner at
// some look, and in which direction.
type simOutcome struct {
	naive, seqUser, seqRow      int // experiments with a declaration at any look
	naiveLast, seqUserLast      int // declarations at the last look only
	wrongSeqUser, wrongSeqRow   int // looks that declared A (the worse arm under a planted effect)
	experiments                 int
	meanUsersLast, meanRowsLast float64
}

// simulate runs the experiments. B's per-row error is A's distribution scaled by
// (1 − effect): effect 0 is the null (the arms differ only by noise).
func simulate(seed uint64, effect float64) simOutcome {
	rng := rand.New(rand.NewPCG(seed, 0x5e9))
	st := DefaultStats
	rmse := MetricIndex("rmse")
	var out simOutcome
	for range simExperiments {
		out.experiments++
		type user struct {
			first, last int
			rowsMu      float64
			scale, bias float64
			returning   bool
		}
		users := make([]user, simUsers)
		for i := range users {
			f := 1 + rng.IntN(simDays)
			span := int(rng.ExpFloat64() * 2) // most users rate on one or two days
			users[i] = user{first: f, last: min(simDays, f+span), rowsMu: 1.5 + rng.NormFloat64(),
				scale: math.Exp(0.3 * rng.NormFloat64()), bias: 0.5 * rng.NormFloat64(), returning: rng.Float64() < 0.25}
		}
		cum := map[int32]int{}
		u := &Units{}
		anyNaive, anyUser, anyRow := false, false, false
		for d := 1; d <= simDays; d++ {
			for i, us := range users {
				if d < us.first || d > us.last {
					continue
				}
				n := 1 + int(math.Exp(us.rowsMu+1.2*rng.NormFloat64())) // lognormal rows, a long tail
				id := int32(i + 1)
				k, ok := cum[id]
				if !ok {
					k = len(u.Users)
					cum[id] = k
					u.Users = append(u.Users, id)
					u.Returning = append(u.Returning, us.returning)
					u.data = append(u.data, make([]float64, Stride())...)
				}
				row := u.Row(k)
				for range n {
					ea := us.bias + us.scale*rng.NormFloat64()
					eb := (1 - effect) * (us.bias + us.scale*rng.NormFloat64())
					row[WRows]++
					row[aIdx(rmse)] += ea * ea
					row[bIdx(rmse)] += eb * eb
				}
			}
			if u.Len() < 2 {
				continue
			}
			// The naive rule: the fixed-horizon paired test of the cumulative per-user
			// differences, read every day (the bootstrap interval ab-eval used agrees
			// with the t interval at these sizes; one metric, so Holm changes nothing).
			if PairedTTest(u.Diffs(rmse)).P < simAlpha {
				anyNaive = true
				if d == simDays {
					out.naiveLast++
				}
			}
			vu := Verdict{LowerIsBetter: true}
			userVerdict(&vu, u, rmse, st, simAlpha)
			vr := Verdict{LowerIsBetter: true}
			rowVerdict(&vr, u, rmse, st, simAlpha)
			// One metric: Holm is the identity, p_holm = p_sequential.
			vs := []Verdict{vu, vr}
			holmDecide(vs[:1], simAlpha, st.Sequential.MinEffectiveUsers)
			holmDecide(vs[1:], simAlpha, st.Sequential.MinEffectiveUsers)
			wu, wr := vs[0].Winner, vs[1].Winner
			if wu != WinnerNone {
				out.wrongSeqUser += b2i(wu == WinnerA)
				anyUser = true
				if d == simDays {
					out.seqUserLast++
				}
			}
			if wr != WinnerNone {
				out.wrongSeqRow += b2i(wr == WinnerA)
				anyRow = true
			}
			if d == simDays {
				out.meanUsersLast += float64(u.Len()) / simExperiments
				out.meanRowsLast += vr.Count / simExperiments
			}
		}
		out.naive += b2i(anyNaive)
		out.seqUser += b2i(anyUser)
		out.seqRow += b2i(anyRow)
	}
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func rate(k, n int) float64 { return float64(k) / float64(n) }

// Monte-Carlo standard error of a rate p over n experiments.
func mcSE(p float64, n int) float64 { return math.Sqrt(p * (1 - p) / float64(n)) }

// Under the null, the naive daily read of the fixed-horizon test declares a winner far
// more often than α; the sequential verdict stays at or below α (within two Monte-Carlo
// standard errors of α), per user and per row.
func TestSequentialSimulationNull(t *testing.T) {
	o := simulate(20261205, 0)
	n := o.experiments
	naive, su, sr := rate(o.naive, n), rate(o.seqUser, n), rate(o.seqRow, n)
	bound := simAlpha + 2*mcSE(simAlpha, n)
	t.Logf("null, %d experiments of %d daily looks (%.0f users, %.0f rows at the last look on average):", n, simDays, o.meanUsersLast, o.meanRowsLast)
	t.Logf("  naive fixed-horizon test read every day: false-positive rate %.3f ± %.3f (last look alone %.3f)", naive, mcSE(naive, n), rate(o.naiveLast, n))
	t.Logf("  sequential, per user: %.3f ± %.3f; per row: %.3f ± %.3f (bound α + 2 MC s.e. = %.3f)", su, mcSE(su, n), sr, mcSE(sr, n), bound)
	if su > bound || sr > bound {
		t.Errorf("sequential false-positive rate per user %.3f, per row %.3f above %.3f", su, sr, bound)
	}
	if naive < simAlpha+3*mcSE(simAlpha, n) {
		t.Errorf("naive daily test's false-positive rate %.3f: the simulation does not show the peeking problem", naive)
	}
	if last := rate(o.naiveLast, n); math.Abs(last-simAlpha) > 3*mcSE(simAlpha, n) {
		t.Errorf("the fixed-horizon test at the last look alone has rate %.3f, want α = %.2f within MC error", last, simAlpha)
	}
}

// Under a planted effect (B's errors 15% smaller), the oracle knows B is better: the
// sequential verdict names B in most experiments and A at no look.
func TestSequentialSimulationPower(t *testing.T) {
	const effect = 0.15
	o := simulate(77, effect)
	n := o.experiments
	su, sr := rate(o.seqUser, n), rate(o.seqRow, n)
	t.Logf("planted effect (B's errors ×%.2f), %d experiments: power of the sequential verdict at any look per user %.3f ± %.3f, per row %.3f ± %.3f (naive daily test %.3f, not a valid level); at the last look per user %.3f",
		1-effect, n, su, mcSE(su, n), sr, mcSE(sr, n), rate(o.naive, n), rate(o.seqUserLast, n))
	if su < 0.9 || sr < 0.9 {
		t.Errorf("power per user %.3f, per row %.3f: want at least 0.9", su, sr)
	}
	if o.wrongSeqUser+o.wrongSeqRow > 0 {
		t.Errorf("A declared the winner %d (per user) and %d (per row) times though B is better", o.wrongSeqUser, o.wrongSeqRow)
	}
}
