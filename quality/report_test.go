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
