package abtest

import "github.com/recpipe/recpipe/model/scoring"

// Input is one object an output was computed from, with its checksum: outputs carry
// these instead of wall-clock times.
type Input struct {
	Key    string `json:"key"`
	SHA256 string `json:"sha256"`
	Bytes  int    `json:"bytes"`
}

// ModelRef names a compared model: the name asked for (--model-a/--model-b), the
// predictor's own name, and the champion document it was loaded from (absent for a
// baseline, which is fitted on train).
type ModelRef struct {
	Spec     string `json:"spec"`
	Name     string `json:"name"`
	Champion *Input `json:"champion,omitempty"`
}

// Models are the two sides of the comparison.
type Models struct {
	A ModelRef `json:"a"`
	B ModelRef `json:"b"`
}

// Same reports whether two comparisons used the same models (same champions).
func (m Models) Same(o Models) bool { return refEq(m.A, o.A) && refEq(m.B, o.B) }

func refEq(a, b ModelRef) bool {
	if a.Spec != b.Spec || a.Name != b.Name || (a.Champion == nil) != (b.Champion == nil) {
		return false
	}
	return a.Champion == nil || *a.Champion == *b.Champion
}

// QualityRef is what the day's quality report said.
type QualityRef struct {
	Key          string `json:"key"`
	Success      bool   `json:"success"`
	ChecksPassed *int   `json:"checks_passed,omitempty"`
	ChecksTotal  *int   `json:"checks_total,omitempty"`
}

// Result is abtest/day=NN/result.json.
type Result struct {
	Schema      string         `json:"schema"`
	Day         int            `json:"day"`
	Dataset     string         `json:"dataset"`
	Models      Models         `json:"models"`
	Quality     QualityRef     `json:"quality"`
	History     string         `json:"history"`      // HistoryRow or HistoryDay
	HistoryDays []int          `json:"history_days"` // released days in the scoring history
	Population  Population     `json:"population"`
	Metrics     []ModelMetrics `json:"metrics"`    // A, B, then the baselines
	Comparison  Comparison     `json:"comparison"` // this day's rows alone, fixed-horizon: descriptive
	// Bar is the baseline the units also hold (BarName), "" when none was scored.
	Bar string `json:"bar,omitempty"`
	// BaselineTuning is the baselines' hyper-parameter choice on validation.
	BaselineTuning []scoring.Tuning `json:"baseline_tuning,omitempty"`
	// Versions are the deployed versions that scored the day (the markers of the end
	// of day−1; none on day 1, which the champions score).
	Versions []Input `json:"versions,omitempty"`
	Units    Input   `json:"units"`
	Inputs   []Input `json:"inputs"`
}
