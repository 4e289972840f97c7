package abtest

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"maps"

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

	// Supplied names, for each key given by an override file, that file; the other
	// keys keep the embedded defaults, which are placeholders.
	Supplied map[string]string `yaml:"-" json:"-"`
}

// DefaultImpact returns the embedded default assumptions (every one a placeholder).
func DefaultImpact() ImpactConfig {
	c, err := parseImpact(ImpactConfig{}, bytes.NewReader(defaultImpactYAML), "")
	if err != nil {
		panic(err) // the embedded file is tested
	}
	return c
}

// LoadImpact reads a YAML override of the defaults; unknown keys are an error. The keys
// it sets are recorded as supplied by name, the others stay placeholders.
func LoadImpact(r io.Reader, name string) (ImpactConfig, error) {
	return parseImpact(DefaultImpact(), r, name)
}

func parseImpact(base ImpactConfig, r io.Reader, name string) (ImpactConfig, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return ImpactConfig{}, fmt.Errorf("impact config %s: %w", name, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	c := base
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return ImpactConfig{}, fmt.Errorf("impact config %s: %w", name, err)
	}
	if err := c.Validate(); err != nil {
		return ImpactConfig{}, fmt.Errorf("impact config %s: %w", name, err)
	}
	if name != "" {
		var keys map[string]any
		if err := yaml.Unmarshal(data, &keys); err != nil {
			return ImpactConfig{}, fmt.Errorf("impact config %s: %w", name, err)
		}
		c.Supplied = maps.Clone(base.Supplied)
		if c.Supplied == nil && len(keys) > 0 {
			c.Supplied = map[string]string{}
		}
		for k := range keys {
			c.Supplied[k] = name
		}
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

// Assumption is one input of the projection: its value, whether it is a placeholder
// (a default of abtest/impact.yaml, not a figure of the business) or a measurement, and
// where it comes from.
type Assumption struct {
	Name        string `json:"name"`
	Value       any    `json:"value"` // a number or a string
	Placeholder bool   `json:"placeholder"`
	Source      string `json:"source"`
}

// assumptions lists the configured inputs with their provenance.
func (c ImpactConfig) assumptions() []Assumption {
	items := []struct {
		key   string
		value any
	}{
		{"metric", c.Metric},
		{"monthly_active_users", c.MonthlyActiveUsers},
		{"sessions_per_user_per_month", c.SessionsPerUserPerMonth},
		{"revenue_per_session", c.RevenuePerSession},
		{"currency", c.Currency},
		{"engagement_elasticity", c.EngagementElasticity},
	}
	out := make([]Assumption, len(items))
	for i, it := range items {
		a := Assumption{Name: it.key, Value: it.value, Placeholder: true,
			Source: "abtest/impact.yaml default: a placeholder, not a business figure"}
		if f, ok := c.Supplied[it.key]; ok {
			a.Placeholder, a.Source = false, "supplied by "+f
		}
		out[i] = a
	}
	return out
}

// Range is an estimate with its interval.
type Range struct {
	Estimate float64 `json:"estimate"`
	Low      float64 `json:"low"`
	High     float64 `json:"high"`
}

// Impact is the projection of switching from model A to model B, from the verdict on
// the impact metric (all users, unit user): its difference and its always-valid
// interval, the same numbers the verdict table shows.
type Impact struct {
	Metric           string       `json:"metric"`
	Segment          string       `json:"segment"`
	Unit             string       `json:"unit"`
	Winner           string       `json:"winner"` // the verdict's
	Assumptions      []Assumption `json:"assumptions"`
	UsesPlaceholders bool         `json:"uses_placeholders"`
	Formula          string       `json:"formula"`
	MetricA          float64      `json:"metric_a"`
	DeltaBMinusA     Range        `json:"metric_delta_b_minus_a"`
	RelativeChange   Range        `json:"metric_relative_change"`
	SessionsPerMonth Range        `json:"sessions_per_month_change"`
	RevenuePerMonth  Range        `json:"revenue_per_month_change"`
	Note             string       `json:"note"`
}

// ImpactFormula documents the projection.
const ImpactFormula = "relative = (B - A) / A, A being model A's mean per-user value of the metric; sessions = " +
	"monthly_active_users * sessions_per_user_per_month * engagement_elasticity * relative; revenue = sessions * " +
	"revenue_per_session. Low/high carry the verdict's always-valid interval of B - A through the same linear " +
	"map (A held at its point value)."

// Project computes the impact of switching from A to B from the verdict on cfg.Metric
// for all users, unit user. It returns nil when that verdict has no value or interval.
func Project(vs []Verdict, cfg ImpactConfig) *Impact {
	v := findVerdict(vs, cfg.Metric, SegmentAll, UnitUser)
	if v == nil || v.ValueA == nil || v.Diff == nil || v.SequentialCI == nil || *v.ValueA == 0 {
		return nil
	}
	a := *v.ValueA
	// B − A is −(A − B): the interval flips.
	delta := Range{Estimate: -*v.Diff, Low: -v.SequentialCI[1], High: -v.SequentialCI[0]}
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
	as := cfg.assumptions()
	placeholders := false
	for _, x := range as {
		placeholders = placeholders || x.Placeholder
	}
	note := "a projection: only the metric difference and its interval are measured"
	if placeholders {
		note += "; the assumptions marked placeholder are defaults, not business figures, so the money and session figures are illustrations"
	}
	if v.Winner == WinnerNone {
		note = "the verdict on " + cfg.Metric + " is no significant difference (its always-valid interval includes 0 or its Holm p is not below the level), so the projected impact is consistent with none; " + note
	}
	return &Impact{Metric: cfg.Metric, Segment: SegmentAll, Unit: UnitUser, Winner: v.Winner, Assumptions: as,
		UsesPlaceholders: placeholders, Formula: ImpactFormula, MetricA: a, DeltaBMinusA: delta, RelativeChange: rel,
		SessionsPerMonth: sess, RevenuePerMonth: scale(sess, cfg.RevenuePerSession), Note: note}
}
