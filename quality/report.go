package quality

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
)

// Document schemas owned by quality; its keys are spelled in internal/layout
// (QualityReport, QualityHistory, QualityTrainProfile).
const (
	ReportSchema  = "quality-report/v1"
	HistorySchema = "quality-history/v1"
	ProfileSchema = "quality-train-profile/v1"
)

// ErrGateFailed: an error-severity check failed; the day must not go on down the chain.
var ErrGateFailed = errors.New("quality gate failed")

// Report is quality/day=NN/report.json. Success is false when an error-severity check
// failed; failed warnings are counted in Statistics but leave Success true. The
// report depends only on the bucket's contents (no wall-clock time): a rerun on the
// same inputs writes the same bytes.
type Report struct {
	Schema     string       `json:"schema"`
	Dataset    string       `json:"dataset"`
	Day        int          `json:"day"`
	Success    bool         `json:"success"`
	Statistics Statistics   `json:"statistics"`
	Results    []Result     `json:"results"`
	Metrics    Metrics      `json:"metrics"`
	Inputs     ReportInputs `json:"inputs"`
}

// Statistics summarise the results, as in a Great Expectations suite result.
type Statistics struct {
	Evaluated      int     `json:"evaluated"`
	Successful     int     `json:"successful"`
	Unsuccessful   int     `json:"unsuccessful"`
	SuccessPercent float64 `json:"success_percent"`
	FailedErrors   int     `json:"failed_errors"`
	FailedWarnings int     `json:"failed_warnings"`
}

// Result is one check.
type Result struct {
	Check         string         `json:"check"`
	Severity      Severity       `json:"severity"`
	Success       bool           `json:"success"`
	ObservedValue any            `json:"observed_value"`
	Threshold     any            `json:"threshold"`
	Details       map[string]any `json:"details,omitempty"`
}

// Metrics are the day's measurements that history.json tracks and the anomaly
// check compares across days. A metric that cannot be computed is absent.
type Metrics map[string]float64

// ReportInputs pins what the report was computed from.
type ReportInputs struct {
	DayManifestKey         string `json:"day_manifest_key"`
	BatchSHA256            string `json:"batch_sha256"`
	PreparedManifestSHA256 string `json:"prepared_manifest_sha256"`
	ThresholdsSHA256       string `json:"thresholds_sha256"`
	HistoryDays            []int  `json:"history_days"` // earlier released days whose metrics fed the anomaly check
}

// ReadReport reads day d's report, quality/day=NN/report.json; a missing report wraps
// blob.ErrNotFound.
func ReadReport(ctx context.Context, b blob.Bucket, d layout.Day) (*Report, error) {
	key := layout.QualityReport(d)
	data, err := blob.ReadAll(ctx, b, key)
	if err != nil {
		return nil, err
	}
	return DecodeReport(key, data)
}

// DecodeReport decodes the report stored under key: the verdict reader of the stages
// downstream of the gate. A document of another schema, or of another day than its
// key's, is an error naming the key.
func DecodeReport(key string, data []byte) (*Report, error) {
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("decode %s: %w", key, err)
	}
	if r.Schema != ReportSchema {
		return nil, fmt.Errorf("%s: schema %q, want %q", key, r.Schema, ReportSchema)
	}
	if k, err := layout.Parse(key); err != nil || k.Kind != layout.KindQualityReport || int(k.Day) != r.Day {
		return nil, fmt.Errorf("%s: a report of day %d is not at its key %s", key, r.Day, layout.QualityReport(layout.Day(r.Day)))
	}
	return &r, nil
}

// finish fills Success and Statistics from the results.
func (r *Report) finish() {
	r.Success = true
	r.Statistics = Statistics{Evaluated: len(r.Results)}
	for _, c := range r.Results {
		switch {
		case c.Success:
			r.Statistics.Successful++
		case c.Severity == Error:
			r.Statistics.Unsuccessful++
			r.Statistics.FailedErrors++
			r.Success = false
		default:
			r.Statistics.Unsuccessful++
			r.Statistics.FailedWarnings++
		}
	}
	if r.Statistics.Evaluated > 0 {
		r.Statistics.SuccessPercent = round(100*float64(r.Statistics.Successful)/float64(r.Statistics.Evaluated), 2)
	}
}

// Failed returns the names of the failed checks of the given severity.
func (r *Report) Failed(sev Severity) []string {
	var out []string
	for _, c := range r.Results {
		if !c.Success && c.Severity == sev {
			out = append(out, c.Check)
		}
	}
	return out
}

// Err returns nil when the day passed, or an error wrapping ErrGateFailed that
// names every failed error-severity check and its observed value.
func (r *Report) Err() error {
	if r.Success {
		return nil
	}
	var parts []string
	for _, c := range r.Results {
		if !c.Success && c.Severity == Error {
			parts = append(parts, fmt.Sprintf("%s (%s)", c.Check, c.Describe()))
		}
	}
	return fmt.Errorf("day %d: %w: %s", r.Day, ErrGateFailed, strings.Join(parts, "; "))
}

// Describe says for people what a check saw against what it allows:
// "observed 0.31, threshold 0.2", "observed statistic=0.4 p_value=0.001, threshold
// alpha=0.01 max_statistic=0.2", or, when nothing could be measured, why.
func (r Result) Describe() string {
	th := formatValue(r.Threshold)
	switch {
	case r.ObservedValue != nil:
		return "observed " + formatValue(r.ObservedValue) + ", threshold " + th
	case r.Details["reason"] != nil:
		return fmt.Sprintf("not measured: %v; threshold %s", r.Details["reason"], th)
	case r.Details["abs_change"] != nil:
		return fmt.Sprintf("history has no spread: changed by %v (at most %v allowed)", r.Details["abs_change"], r.Details["min_abs_change"])
	}
	return "no observed value; threshold " + th
}

// formatValue writes a scalar as %v and a map as "k=v k=v" in key order.
func formatValue(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Sprint(v)
	}
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%v", k, m[k])
	}
	return strings.Join(parts, " ")
}

// round keeps reports readable and stable: n decimals, no -0.
func round(v float64, n int) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	p := math.Pow(10, float64(n))
	v = math.Round(v*p) / p
	if v == 0 {
		return 0
	}
	return v
}
