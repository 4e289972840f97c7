package abtest

import (
	"math"
	"testing"
)

// A look of the confidence sequence traced by hand (α = 0.05, t* = 100, n = 100 users,
// mean 0.3, sd 2):
//
//	−2 log α = 5.991465, log(5.991465 + 1) = 1.944690, ρ² = 7.936155/100 = 0.0793616
//	nρ² + 1 = 8.936155, √ = 2.989340
//	2(nρ²+1)/(n²ρ²) = 17.872309/793.6155 = 0.0225201; log(2.989340/0.05) = 4.090785
//	half-width = 2 · √(0.0225201 · 4.090785) = 2 · 0.303521 = 0.607042
//	CS = 0.3 ± 0.607042 = [−0.307042, 0.907042]
//	p = √8.936155 · exp(−0.0793616·100²·0.3² / (2·2²·8.936155)) = 2.989340 · e^−0.999107 > 1 → 1
//	mean 1.0 instead: exponent 11.101188, p = 2.989340 · e^−11.101188 = 4.5122e−5,
//	CS = [0.392958, 1.607042]
//
// (For comparison the fixed-horizon z interval would be 0.3 ± 1.96·2/10 = ±0.392.)
func TestConfidenceSequenceHandComputed(t *testing.T) {
	s := Sequential{PlannedUsers: 100}
	rho := s.Rho(0.05)
	if !near(rho*rho, 0.07936154601737565, 1e-12) {
		t.Fatalf("ρ² = %v, want 0.0793615", rho*rho)
	}
	if h := HalfWidth(2, 100, rho, 0.05); !near(h, 0.6070417980752506, 1e-12) {
		t.Errorf("half-width = %v, want 0.607042", h)
	}
	if p := SequentialP(0.3, 2, 100, rho); p != 1 {
		t.Errorf("p(mean 0.3) = %v, want 1 (the mixture likelihood ratio is below 1)", p)
	}
	if p := SequentialP(1.0, 2, 100, rho); !near(p, 4.5122237986973864e-05, 1e-15) {
		t.Errorf("p(mean 1) = %v, want 4.5122e-5", p)
	}
	// The p-value crosses α exactly where the interval's edge crosses 0.
	h := HalfWidth(2, 100, rho, 0.05)
	if p := SequentialP(h, 2, 100, rho); !near(p, 0.05, 1e-12) {
		t.Errorf("p at the edge = %v, want 0.05", p)
	}
}

func TestConfidenceSequenceLook(t *testing.T) {
	// Observations with mean 0.3 and sd 2: ±2 around 0.3, alternating, n = 100.
	x := make([]float64, 100)
	for i := range x {
		x[i] = 0.3 + 2*math.Sqrt(99.0/100)*float64(1-2*(i%2))
	}
	c := DefaultSequential.ConfidenceSequence(x, 0.05)
	if !near(c.Mean, 0.3, 1e-12) || !near(c.SD, 2, 1e-12) {
		t.Fatalf("mean %v sd %v", c.Mean, c.SD)
	}
	if !near(c.Interval.Low, -0.3070417980752506, 1e-9) || !near(c.Interval.High, 0.9070417980752505, 1e-9) || c.P != 1 {
		t.Errorf("look = %+v, want [-0.307042, 0.907042], p 1", c)
	}
	one := DefaultSequential.ConfidenceSequence([]float64{1}, 0.05)
	if !math.IsNaN(one.Interval.Low) || !math.IsNaN(one.P) {
		t.Errorf("one observation must give no interval: %+v", one)
	}
}

// The sequence is wider than the fixed-horizon interval at every n (the price of
// looking any number of times) and its half-width shrinks as users arrive.
func TestConfidenceSequenceWiderThanFixed(t *testing.T) {
	rho := DefaultSequential.Rho(0.05)
	prev := math.Inf(1)
	for _, n := range []int{2, 5, 10, 30, 100, 300, 1000, 10000} {
		h := HalfWidth(1, n, rho, 0.05)
		if z := 1.959964 / math.Sqrt(float64(n)); h <= z {
			t.Errorf("n=%d: half-width %v not above the fixed z half-width %v", n, h, z)
		}
		if h >= prev {
			t.Errorf("n=%d: half-width %v did not shrink from %v", n, h, prev)
		}
		prev = h
	}
}

func TestSequentialDegenerate(t *testing.T) {
	rho := DefaultSequential.Rho(0.05)
	for _, tt := range []struct {
		mean, sd float64
		n        int
		want     float64
	}{
		{0, 0, 10, 1}, {0.5, 0, 10, 0},
	} {
		if got := SequentialP(tt.mean, tt.sd, tt.n, rho); got != tt.want {
			t.Errorf("SequentialP(%v, %v, %d) = %v, want %v", tt.mean, tt.sd, tt.n, got, tt.want)
		}
	}
	if !math.IsNaN(SequentialP(1, 1, 1, rho)) {
		t.Error("one observation must give NaN")
	}
	if err := (Sequential{PlannedUsers: 0}).Validate(); err == nil {
		t.Error("0 planned users accepted")
	}
}
