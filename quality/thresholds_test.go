package quality

import (
	"errors"
	"testing"
)

func TestParseThresholds(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		check func(*Thresholds) bool
		ok    bool
	}{
		{"defaults", "", func(th *Thresholds) bool {
			return th.RejectedShare.MaxShare == 0.01 && th.Validity.Severity == Error && th.DriftRatingPSI.Severity == Warn && th.Anomaly.MinHistoryDays == 5
		}, true},
		{"override one field keeps the rest", "drift_rating_psi:\n  max_psi: 0.5\n", func(th *Thresholds) bool {
			return th.DriftRatingPSI.MaxPSI == 0.5 && th.DriftRatingPSI.Severity == Warn && th.RejectedShare.MaxShare == 0.01
		}, true},
		{"promote a warning", "unseen_items:\n  severity: error\n", func(th *Thresholds) bool { return th.UnseenItems.Severity == Error }, true},
		{"unknown key", "volum:\n  severity: warn\n", nil, false},
		{"bad severity", "volume:\n  severity: fatal\n", nil, false},
		{"share out of range", "completeness:\n  max_share: 2\n", nil, false},
		{"not yaml", "completeness: [", nil, false},
	}
	def := DefaultThresholds()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			th, err := ParseThresholds([]byte(tt.yaml))
			if !tt.ok {
				if !errors.Is(err, ErrBadThresholds) {
					t.Fatalf("err = %v, want ErrBadThresholds", err)
				}
				return
			}
			if err != nil || !tt.check(th) {
				t.Fatalf("th = %+v, err = %v", th, err)
			}
			if (tt.yaml == "") != (th.SHA256 == def.SHA256) {
				t.Fatalf("thresholds sha256 must change exactly when the thresholds do")
			}
		})
	}
}
