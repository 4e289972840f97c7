package abtest

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"

	"gopkg.in/yaml.v3"
)

//go:embed impact.yaml
var defaultImpactYAML []byte

// ImpactConfig are the assumptions of the business-impact projection (see impact.yaml).
type ImpactConfig struct {
	Metric                  string  `yaml:"metric" json:"metric"`
	MonthlyActiveUsers      float64 `yaml:"monthly_active_users" json:"monthly_active_users"`
	SessionsPerUserPerMonth float64 `yaml:"sessions_per_user_per_month" json:"sessions_per_user_per_month"`
	RevenuePerSession       float64 `yaml:"revenue_per_session" json:"revenue_per_session"`
	Currency                string  `yaml:"currency" json:"currency"`
	EngagementElasticity    float64 `yaml:"engagement_elasticity" json:"engagement_elasticity"`
}

// DefaultImpact returns the embedded default assumptions.
func DefaultImpact() ImpactConfig {
	c, err := parseImpact(ImpactConfig{}, bytes.NewReader(defaultImpactYAML), "abtest/impact.yaml")
	if err != nil {
		panic(err) // the embedded file is tested
	}
	return c
}

// LoadImpact reads a YAML override of the defaults; unknown keys are an error.
func LoadImpact(r io.Reader, name string) (ImpactConfig, error) {
	return parseImpact(DefaultImpact(), r, name)
}

func parseImpact(base ImpactConfig, r io.Reader, name string) (ImpactConfig, error) {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	c := base
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return ImpactConfig{}, fmt.Errorf("impact config %s: %w", name, err)
	}
	if err := c.Validate(); err != nil {
		return ImpactConfig{}, fmt.Errorf("impact config %s: %w", name, err)
	}
	return c, nil
}

// Validate checks the assumptions.
func (c ImpactConfig) Validate() error {
	if i := MetricIndex(c.Metric); i < 0 {
		return fmt.Errorf("unknown metric %q", c.Metric)
	}
	if c.MonthlyActiveUsers < 0 || c.SessionsPerUserPerMonth < 0 || c.RevenuePerSession < 0 {
		return errors.New("users, sessions and revenue must be non-negative")
	}
	return nil
}

// Range is an estimate with its interval.
type Range struct {
	Estimate float64 `json:"estimate"`
	Low      float64 `json:"low"`
	High     float64 `json:"high"`
}

// Impact is the projection of switching from model A to model B.
type Impact struct {
	Assumptions      ImpactConfig `json:"assumptions"`
	Formula          string       `json:"formula"`
	MetricA          float64      `json:"metric_a"`
	DeltaBMinusA     Range        `json:"metric_delta_b_minus_a"`
	RelativeChange   Range        `json:"metric_relative_change"`
	SessionsPerMonth Range        `json:"sessions_per_month_change"`
	RevenuePerMonth  Range        `json:"revenue_per_month_change"`
	Note             string       `json:"note"`
}

// ImpactFormula documents the projection.
const ImpactFormula = "relative = (B - A) / A on the aggregate metric; sessions = monthly_active_users * " +
	"sessions_per_user_per_month * engagement_elasticity * relative; revenue = sessions * revenue_per_session. " +
	"Low/high carry the bootstrap interval of B - A through the same linear map (A held at its point value)."

// Project computes the impact of switching from A to B from the measured comparison.
// It returns nil when the metric has no value or interval on these rows.
func Project(c Comparison, cfg ImpactConfig) *Impact {
	i := MetricIndex(cfg.Metric)
	if i < 0 {
		return nil
	}
	mc := c.Metrics[i]
	if mc.A == nil || mc.AggregateDiff == nil || mc.AggregateDiffCI == nil || *mc.A == 0 {
		return nil
	}
	a := *mc.A
	// B − A is −(A − B): the interval flips.
	delta := Range{Estimate: -*mc.AggregateDiff, Low: -mc.AggregateDiffCI.High, High: -mc.AggregateDiffCI.Low}
	rel := Range{Estimate: delta.Estimate / a, Low: delta.Low / a, High: delta.High / a}
	k := cfg.MonthlyActiveUsers * cfg.SessionsPerUserPerMonth * cfg.EngagementElasticity
	scale := func(r Range, f float64) Range {
		lo, hi := r.Low*f, r.High*f
		if lo > hi {
			lo, hi = hi, lo
		}
		return Range{Estimate: r.Estimate * f, Low: lo, High: hi}
	}
	sess := scale(rel, k)
	note := "projection from assumed business figures; only the metric difference is measured"
	if mc.Winner == WinnerNone {
		note = "the paired per-user difference of the metric is not significant (its interval includes 0), so the projected impact is consistent with none; " + note
	}
	return &Impact{Assumptions: cfg, Formula: ImpactFormula, MetricA: a, DeltaBMinusA: delta,
		RelativeChange: rel, SessionsPerMonth: sess, RevenuePerMonth: scale(sess, cfg.RevenuePerSession), Note: note}
}
