package abtest

import (
	"strings"
	"testing"
)

func TestDefaultImpactParses(t *testing.T) {
	c := DefaultImpact()
	if c.Metric != "precision@10" || c.MonthlyActiveUsers != 100000 || c.Currency != "USD" {
		t.Fatalf("embedded defaults: %+v", c)
	}
}

func TestLoadImpactOverrides(t *testing.T) {
	c, err := LoadImpact(strings.NewReader("monthly_active_users: 2500000\nrevenue_per_session: 0.3\n"), "mine.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.MonthlyActiveUsers != 2500000 || c.RevenuePerSession != 0.3 || c.SessionsPerUserPerMonth != DefaultImpact().SessionsPerUserPerMonth {
		t.Errorf("override: %+v", c)
	}
	for _, bad := range []string{"monthly_users: 5\n", "metric: ctr\n", "revenue_per_session: -1\n"} {
		if _, err := LoadImpact(strings.NewReader(bad), "bad.yaml"); err == nil || !strings.Contains(err.Error(), "bad.yaml") {
			t.Errorf("LoadImpact(%q) = %v, want an error naming the file", bad, err)
		}
	}
	// The keys the file sets are supplied; the rest stay placeholders.
	status := map[string]bool{}
	for _, a := range c.assumptions() {
		status[a.Name] = a.Placeholder
	}
	want := map[string]bool{"metric": true, "monthly_active_users": false, "sessions_per_user_per_month": true,
		"revenue_per_session": false, "currency": true, "engagement_elasticity": true}
	for k, w := range want {
		if status[k] != w {
			t.Errorf("%s: placeholder %v, want %v", k, status[k], w)
		}
	}
	for _, a := range DefaultImpact().assumptions() {
		if !a.Placeholder || !strings.Contains(a.Source, "placeholder") {
			t.Errorf("default %s not marked a placeholder: %+v", a.Name, a)
		}
	}
}

func TestProjectHandComputed(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	// Per user: A = 0.20, A − B = −0.02, always-valid CI [−0.03, −0.01]: B is 10% better [5%, 15%].
	vs := []Verdict{
		{Metric: "precision@10", Segment: SegmentAll, Unit: UnitUserDay, ValueA: f(0.5), Diff: f(-0.4), SequentialCI: &Bounds{-0.5, -0.3}},
		{Metric: "precision@10", Segment: SegmentAll, Unit: UnitUser, ValueA: f(0.20), Diff: f(-0.02),
			SequentialCI: &Bounds{-0.03, -0.01}, FixedCI: &Bounds{-0.025, -0.015}, Winner: WinnerB},
	}
	cfg := ImpactConfig{Metric: "precision@10", MonthlyActiveUsers: 1000, SessionsPerUserPerMonth: 10,
		RevenuePerSession: 0.5, EngagementElasticity: 0.2, Currency: "EUR"}
	p := Project(vs, cfg)
	if p == nil {
		t.Fatal("no projection")
	}
	// sessions = 1000·10·0.2·rel = 2000·rel: 200 [100, 300]; revenue ×0.5: 100 [50, 150].
	checks := []struct {
		name      string
		got, want Range
	}{
		{"delta", p.DeltaBMinusA, Range{0.02, 0.01, 0.03}},
		{"relative", p.RelativeChange, Range{0.1, 0.05, 0.15}},
		{"sessions", p.SessionsPerMonth, Range{200, 100, 300}},
		{"revenue", p.RevenuePerMonth, Range{100, 50, 150}},
	}
	for _, ck := range checks {
		if !near(ck.got.Estimate, ck.want.Estimate, 1e-9) || !near(ck.got.Low, ck.want.Low, 1e-9) || !near(ck.got.High, ck.want.High, 1e-9) {
			t.Errorf("%s = %+v, want %+v", ck.name, ck.got, ck.want)
		}
	}
	if p.Unit != UnitUser || p.Winner != WinnerB || !p.UsesPlaceholders || len(p.Assumptions) != 6 {
		t.Errorf("projection %+v", p)
	}
	vs[1].ValueA = f(0)
	if Project(vs, cfg) != nil {
		t.Error("a zero baseline metric cannot give a relative change")
	}
}
