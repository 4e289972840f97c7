package abtest

import (
	"fmt"
	"math"
)

// The sequential verdict: after every released day the cumulative comparison is read
// again, so it must stay valid however many times it is read. It uses the asymptotic
// confidence sequence (CS) of
//
//	I. Waudby-Smith, D. Arbour, R. Sinha, E. H. Kennedy, A. Ramdas, "Time-uniform central
//	limit theory and asymptotic confidence sequences", arXiv:2103.06476 (2021), Annals of
//	Statistics (2024), §2: the asymptotic CS for the mean of i.i.d. observations, Robbins'
//	normal-mixture boundary with the sample standard deviation plugged in:
//
//	  C_t = μ̂_t ± σ̂_t · √( 2(tρ²+1) / (t²ρ²) · log( √(tρ²+1) / α ) )
//
// for the mean of t i.i.d. observations with sample mean μ̂_t and standard deviation
// σ̂_t; ρ > 0 sets where the sequence is tightest. For a planned sample size t*, the
// paper's ρ*(t*) (GrowthBook's "sequential tuning parameter" is this t*)
//
//	ρ = √( (−2 log α + log(−2 log α + 1)) / t* )
//
// minimises the width near t = t*. The same boundary is the mixture SPRT (mSPRT, Johari,
// Pekelis, Walsh 2017) with a normal mixing distribution of variance τ² = ρ²σ̂²: its
// likelihood ratio Λ_t = exp(ρ²t²μ̂_t² / (2σ̂²(tρ²+1))) / √(tρ²+1), and the CS is the
// set of μ with Λ_t(μ) < 1/α. The always-valid p-value at a look is therefore
//
//	p_t = min(1, 1/Λ_t) = min(1, √(tρ²+1) · exp(−ρ²t²μ̂_t² / (2σ̂²(tρ²+1))))
//
// and p_t < α exactly when C_t excludes 0. P(∃ t: p_t ≤ α) ≤ α (asymptotically, Ville's
// inequality), so Holm's step-down over these p-values controls the family-wise error at
// every look, and a verdict read after any day, or after all of them, keeps its level.
//
// Here an observation is a user (the unit that is resampled in the fixed-horizon
// bootstrap: one user's rows are not independent). Between looks a returning user's
// rows accumulate, so the stream is not one of fixed observations; the simulation tests
// (sequential_sim_test.go) check that the daily looks keep the level on data shaped like
// the feed.

// Sequential configures the confidence sequence.
type Sequential struct {
	// PlannedUsers is t*: the number of users at which the sequence is tightest. It is
	// fixed in advance (never taken from the outcomes).
	PlannedUsers float64 `json:"planned_users"`
	// MinEffectiveUsers is the least effective number of users, (Σw)²/Σw² with w a
	// user's weight in the unit (1 per user, rows, or ranked user-days), at which a
	// winner may be named. The sequence is asymptotic: it rests on a central limit
	// theorem, which a handful of users (or one user holding most rows) does not give.
	// In the null simulation (sequential_sim_test.go) the per-row rate was 0.07 with no
	// minimum and at most α from about five effective users on.
	MinEffectiveUsers float64 `json:"min_effective_users"`
}

// DefaultSequential plans for 100 users (ml-latest-small's 20-day feed holds 116) and
// names no winner below 10 effective users.
var DefaultSequential = Sequential{PlannedUsers: 100, MinEffectiveUsers: 10}

// Validate checks the settings.
func (s Sequential) Validate() error {
	switch {
	case !(s.PlannedUsers >= 1) || math.IsInf(s.PlannedUsers, 0):
		return fmt.Errorf("sequential: planned users %v, want at least 1", s.PlannedUsers)
	case !(s.MinEffectiveUsers >= 2) || math.IsInf(s.MinEffectiveUsers, 0):
		return fmt.Errorf("sequential: minimum effective users %v, want at least 2", s.MinEffectiveUsers)
	}
	return nil
}

// EffectiveUsers is Kish's effective sample size (Σw)²/Σw² of the positive weights w.
func EffectiveUsers(w []float64) float64 {
	var s, s2 float64
	for _, x := range w {
		s += x
		s2 += x * x
	}
	if s2 == 0 {
		return 0
	}
	return s * s / s2
}

// Rho is ρ*(t*) for a two-sided (1−alpha) sequence: √((−2 log α + log(−2 log α + 1)) / t*).
func (s Sequential) Rho(alpha float64) float64 {
	l := -2 * math.Log(alpha)
	return math.Sqrt((l + math.Log(l+1)) / s.PlannedUsers)
}

// HalfWidth is the CS half-width after n observations of sample standard deviation sd:
// sd · √(2(nρ²+1)/(n²ρ²) · log(√(nρ²+1)/α)).
func HalfWidth(sd float64, n int, rho, alpha float64) float64 {
	if n < 1 {
		return math.NaN()
	}
	t := float64(n)
	v := t*rho*rho + 1
	return sd * math.Sqrt(2*v/(t*t*rho*rho)*math.Log(math.Sqrt(v)/alpha))
}

// SequentialP is the always-valid two-sided p-value of mean = 0 after n observations:
// min(1, √(nρ²+1) · exp(−ρ²n²mean² / (2sd²(nρ²+1)))). It is 0 when sd is 0 and the mean
// is not, 1 when both are 0, NaN below two observations.
func SequentialP(mean, sd float64, n int, rho float64) float64 {
	switch {
	case n < 2 || math.IsNaN(mean) || math.IsNaN(sd):
		return math.NaN()
	case sd == 0 && mean == 0:
		return 1
	case sd == 0:
		return 0
	}
	t := float64(n)
	v := t*rho*rho + 1
	logLR := rho*rho*t*t*mean*mean/(2*sd*sd*v) - 0.5*math.Log(v)
	if logLR <= 0 {
		return 1
	}
	return math.Exp(-logLR)
}

// CS is one look of the confidence sequence for a mean.
type CS struct {
	N        int
	Mean, SD float64
	Interval Interval // NaN bounds below two observations
	P        float64  // always-valid p-value of mean = 0
}

// ConfidenceSequence evaluates the CS at level 1−alpha on observations x (one look).
func (s Sequential) ConfidenceSequence(x []float64, alpha float64) CS {
	c := CS{N: len(x), Mean: math.NaN(), SD: math.NaN(), Interval: Interval{Low: math.NaN(), High: math.NaN()}, P: math.NaN()}
	if len(x) == 0 {
		return c
	}
	c.Mean, c.SD = meanSD(x)
	return s.look(c, alpha)
}

// look fills the interval and p-value of c from its N, Mean and SD.
func (s Sequential) look(c CS, alpha float64) CS {
	if c.N < 2 || math.IsNaN(c.SD) {
		return c
	}
	rho := s.Rho(alpha)
	h := HalfWidth(c.SD, c.N, rho, alpha)
	c.Interval = Interval{Low: c.Mean - h, High: c.Mean + h}
	c.P = SequentialP(c.Mean, c.SD, c.N, rho)
	return c
}
