package quality

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"

	"gopkg.in/yaml.v3"
)

//go:embed thresholds.yaml
var defaultThresholds []byte

// Severity of a check: an error fails the day, a warning is reported and passes.
type Severity string

const (
	Error Severity = "error"
	Warn  Severity = "warn"
)

// ErrBadThresholds: the thresholds file is malformed or out of range.
var ErrBadThresholds = errors.New("bad thresholds")

// ShareRule bounds a share of rows.
type ShareRule struct {
	Severity Severity `yaml:"severity"`
	MaxShare float64  `yaml:"max_share"`
}

// Thresholds are the limits of every check (thresholds.yaml documents each).
type Thresholds struct {
	Completeness ShareRule `yaml:"completeness"`
	Validity     ShareRule `yaml:"validity"`
	Uniqueness   ShareRule `yaml:"uniqueness"`
	Consistency  ShareRule `yaml:"consistency"`
	Volume       struct {
		Severity         Severity `yaml:"severity"`
		MaxDeviationRows int      `yaml:"max_deviation_rows"`
	} `yaml:"volume"`
	RejectedShare  ShareRule `yaml:"rejected_share"`
	DriftRatingPSI struct {
		Severity Severity `yaml:"severity"`
		MaxPSI   float64  `yaml:"max_psi"`
	} `yaml:"drift_rating_psi"`
	DriftActivityKS struct {
		Severity     Severity `yaml:"severity"`
		MaxStatistic float64  `yaml:"max_statistic"`
		Alpha        float64  `yaml:"alpha"`
	} `yaml:"drift_activity_ks"`
	UnseenUsers ShareRule `yaml:"unseen_users"`
	UnseenItems ShareRule `yaml:"unseen_items"`
	Anomaly     struct {
		Severity       Severity `yaml:"severity"`
		MinHistoryDays int      `yaml:"min_history_days"`
		MaxZ           float64  `yaml:"max_z"`
		MinAbsChange   float64  `yaml:"min_abs_change"`
	} `yaml:"anomaly"`

	// SHA256 identifies the thresholds in effect (defaults plus overrides), so a
	// report says which limits it was judged by.
	SHA256 string `yaml:"-"`
}

// DefaultThresholds returns the embedded thresholds.yaml.
func DefaultThresholds() *Thresholds {
	t, err := ParseThresholds(nil)
	if err != nil {
		panic(fmt.Sprintf("embedded thresholds.yaml: %v", err))
	}
	return t
}

// LoadThresholds reads a thresholds file over the defaults; path "" means the defaults.
func LoadThresholds(path string) (*Thresholds, error) {
	if path == "" {
		return ParseThresholds(nil)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadThresholds, err)
	}
	t, err := ParseThresholds(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// ParseThresholds decodes override YAML over the embedded defaults.
func ParseThresholds(override []byte) (*Thresholds, error) {
	t := &Thresholds{}
	for _, doc := range [][]byte{defaultThresholds, override} {
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		dec := yaml.NewDecoder(bytes.NewReader(doc))
		dec.KnownFields(true)
		if err := dec.Decode(t); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadThresholds, err)
		}
	}
	if err := t.check(); err != nil {
		return nil, err
	}
	sum := sha256.New()
	sum.Write(defaultThresholds)
	sum.Write([]byte{0})
	sum.Write(override)
	t.SHA256 = hex.EncodeToString(sum.Sum(nil))
	return t, nil
}

func (t *Thresholds) check() error {
	sev := map[string]Severity{
		"completeness": t.Completeness.Severity, "validity": t.Validity.Severity, "uniqueness": t.Uniqueness.Severity,
		"consistency": t.Consistency.Severity, "volume": t.Volume.Severity, "rejected_share": t.RejectedShare.Severity,
		"drift_rating_psi": t.DriftRatingPSI.Severity, "drift_activity_ks": t.DriftActivityKS.Severity,
		"unseen_users": t.UnseenUsers.Severity, "unseen_items": t.UnseenItems.Severity, "anomaly": t.Anomaly.Severity,
	}
	for name, s := range sev {
		if s != Error && s != Warn {
			return fmt.Errorf("%w: %s.severity is %q, want error or warn", ErrBadThresholds, name, s)
		}
	}
	shares := map[string]float64{
		"completeness": t.Completeness.MaxShare, "validity": t.Validity.MaxShare, "uniqueness": t.Uniqueness.MaxShare,
		"consistency": t.Consistency.MaxShare, "rejected_share": t.RejectedShare.MaxShare,
		"unseen_users": t.UnseenUsers.MaxShare, "unseen_items": t.UnseenItems.MaxShare,
		"drift_activity_ks.alpha": t.DriftActivityKS.Alpha, "drift_activity_ks.max_statistic": t.DriftActivityKS.MaxStatistic,
	}
	for name, v := range shares {
		if v < 0 || v > 1 {
			return fmt.Errorf("%w: %s is %v, want 0..1", ErrBadThresholds, name, v)
		}
	}
	if t.Volume.MaxDeviationRows < 0 || t.DriftRatingPSI.MaxPSI < 0 || t.Anomaly.MaxZ <= 0 || t.Anomaly.MinHistoryDays < 2 || t.Anomaly.MinAbsChange < 0 {
		return fmt.Errorf("%w: volume.max_deviation_rows, drift_rating_psi.max_psi, anomaly.min_abs_change must be >= 0, anomaly.max_z > 0, anomaly.min_history_days >= 2", ErrBadThresholds)
	}
	return nil
}
