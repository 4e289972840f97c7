package quality

import (
	"math"
	"slices"
)

// RatingBins is the number of half-step rating values, 0.5 .. 5.0.
const RatingBins = 10

// ratingBin maps a valid rating to its bin 0..9.
func ratingBin(v float32) int { return int(math.Round(float64(v)*2)) - 1 }

// psiFloor stands in for an empty bin's share so the index stays finite.
const psiFloor = 1e-4

// PSI is the population stability index of observed against expected counts:
// Σ (o−e)·ln(o/e) over bins of shares, empty bins floored at 1e-4.
func PSI(observed, expected []int) float64 {
	var no, ne float64
	for i := range observed {
		no += float64(observed[i])
		ne += float64(expected[i])
	}
	if no == 0 || ne == 0 {
		return math.NaN()
	}
	var psi float64
	for i := range observed {
		o := max(float64(observed[i])/no, psiFloor)
		e := max(float64(expected[i])/ne, psiFloor)
		psi += (o - e) * math.Log(o/e)
	}
	return psi
}

// KS2 is the two-sample Kolmogorov–Smirnov test: the statistic D = sup |F_a − F_b|
// and its asymptotic p-value (Numerical Recipes' ksone/kstwo form). a and b need not
// be sorted; they are not modified.
func KS2(a, b []int) (d, p float64) {
	if len(a) == 0 || len(b) == 0 {
		return math.NaN(), math.NaN()
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	na, nb := float64(len(x)), float64(len(y))
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		v := min(x[i], y[j])
		for i < len(x) && x[i] == v {
			i++
		}
		for j < len(y) && y[j] == v {
			j++
		}
		d = max(d, math.Abs(float64(i)/na-float64(j)/nb))
	}
	en := math.Sqrt(na * nb / (na + nb))
	return d, ksProb((en + 0.12 + 0.11/en) * d)
}

// ksProb is the Kolmogorov distribution's survival function Q(λ).
func ksProb(lambda float64) float64 {
	if lambda < 1e-3 {
		return 1
	}
	var sum, term float64
	sign := 1.0
	for k := 1; k <= 100; k++ {
		term = sign * 2 * math.Exp(-2*float64(k*k)*lambda*lambda)
		sum += term
		if math.Abs(term) < 1e-12 {
			return min(1, max(0, sum))
		}
		sign = -sign
	}
	return 1
}

// robustZ is |x − median| / (1.4826·MAD) of x against history; ok is false when
// the history has no spread (MAD 0).
func robustZ(x float64, history []float64) (z, median float64, ok bool) {
	median = medianOf(history)
	dev := make([]float64, len(history))
	for i, h := range history {
		dev[i] = math.Abs(h - median)
	}
	mad := medianOf(dev)
	if mad == 0 {
		return 0, median, false
	}
	return math.Abs(x-median) / (1.4826 * mad), median, true
}

func medianOf(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
