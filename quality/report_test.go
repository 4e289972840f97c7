package quality_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/quality"
)

func TestDecodeReport(t *testing.T) {
	key := layout.QualityReport(4)
	tests := []struct {
		name, doc, wantErr string
	}{
		{"a report of its day", `{"schema":"quality-report/v1","day":4,"success":true,"statistics":{"evaluated":17,"successful":16}}`, ""},
		{"another schema", `{"schema":"quality-report/v2","day":4,"success":true}`, `schema "quality-report/v2"`},
		{"no schema", `{"success":true,"checks":[{"passed":true}]}`, `schema ""`},
		{"another day", `{"schema":"quality-report/v1","day":5,"success":true}`, "a report of day 5"},
		{"not JSON", `{"schema":`, "decode " + key},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := quality.DecodeReport(key, []byte(tt.doc))
			if tt.wantErr == "" {
				if err != nil || r.Day != 4 || !r.Success || r.Statistics.Successful != 16 {
					t.Fatalf("DecodeReport = %+v, %v", r, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), key) {
				t.Fatalf("err = %v, want one naming %s and %q", err, key, tt.wantErr)
			}
		})
	}
	if _, err := quality.ReadReport(context.Background(), blob.NewMem(), 4); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("missing report: %v", err)
	}
}

func TestResultDescribe(t *testing.T) {
	for _, tc := range []struct {
		r    quality.Result
		want string
	}{
		{quality.Result{ObservedValue: 0.31, Threshold: 0.2}, "observed 0.31, threshold 0.2"},
		{quality.Result{ObservedValue: map[string]any{"statistic": 0.4, "p_value": 0.001}, Threshold: map[string]any{"max_statistic": 0.2, "alpha": 0.01}},
			"observed p_value=0.001 statistic=0.4, threshold alpha=0.01 max_statistic=0.2"},
		{quality.Result{Threshold: 0.2, Details: map[string]any{"reason": "no valid rating in the day or in train"}},
			"not measured: no valid rating in the day or in train; threshold 0.2"},
		{quality.Result{Threshold: 3.5, Details: map[string]any{"abs_change": 0.4, "min_abs_change": 0.25, "history_spread": 0}},
			"history has no spread: changed by 0.4 (at most 0.25 allowed)"},
	} {
		got := tc.r.Describe()
		if got != tc.want || strings.Contains(got, "<nil>") || strings.Contains(got, "map[") {
			t.Errorf("Describe(%+v) = %q, want %q", tc.r, got, tc.want)
		}
	}
}
