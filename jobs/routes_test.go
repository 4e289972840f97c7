package jobs

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/layout"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		key  string
		want []string // route names
	}{
		{"etl/day=01/_manifest.json", []string{"etl-manifest"}},
		{"etl/day=20/_manifest.json", []string{"etl-manifest"}},
		{"etl/day=1/_manifest.json", nil},
		{"etl/day=01/batch.csv", nil},
		{"etl/day=01/x/_manifest.json", nil},
		{"etl/status.json", nil},
		{layout.QualityReport(3), []string{"quality-report"}},
		{"quality/history.json", nil},
		{layout.QualityReport(3) + ".tmp", nil},
		{"models/ncf/champion.json", []string{"model-champion"}},
		{"models/ss4rec/champion.json", []string{"model-champion"}},
		{"models/ncf/run-20261120/champion.json", nil},
		{"models/champion.json", nil},
		{"prepared/ml-latest-small/_manifest.json", nil},
		{"runs/quality-check/x.json", nil},
		{"abtest/day=03/result.json", []string{"ab-result"}},
		{"abtest/day=03/units.csv", nil},
		{"abtest/summary.json", nil},
		{"deployed/ncf/day=03/version.json", []string{"model-version"}},
		{"deployed/ncf/day=03/model.bin", nil},
		{"", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, r := range Match(tt.key) {
			got = append(got, r.Name)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Match(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

// The table must be expressible as S3 / MinIO notification filters: ASCII filter values
// that need no URL-encoding, unique names, and no two routes whose filters overlap (S3
// refuses overlapping configurations for the same event type).
func TestRoutesAreValidNotificationFilters(t *testing.T) {
	plain := regexp.MustCompile(`^[A-Za-z0-9/_.-]*$`)
	names := map[string]bool{}
	for i, r := range Routes {
		if r.Name == "" || r.Function == "" || r.Kind == layout.KindUnknown || r.Doc == "" {
			t.Errorf("route %d is incomplete: %+v", i, r)
		}
		if names[r.Name] {
			t.Errorf("route name %q repeated", r.Name)
		}
		names[r.Name] = true
		if !plain.MatchString(r.Prefix) || !plain.MatchString(r.Suffix) || r.Prefix == "" || r.Suffix == "" {
			t.Errorf("route %s: filters %q / %q must be non-empty plain ASCII", r.Name, r.Prefix, r.Suffix)
		}
		if p, s := r.Kind.Filter(); p != r.Prefix || s != r.Suffix {
			t.Errorf("route %s: filters %q / %q, but its kind %s has %q / %q", r.Name, r.Prefix, r.Suffix, r.Kind, p, s)
		}
		for j, o := range Routes[i+1:] {
			if strings.HasPrefix(r.Prefix, o.Prefix) || strings.HasPrefix(o.Prefix, r.Prefix) {
				if strings.HasSuffix(r.Suffix, o.Suffix) || strings.HasSuffix(o.Suffix, r.Suffix) {
					t.Errorf("routes %s and %d overlap", r.Name, i+1+j)
				}
			}
		}
	}
}

// A key that passes a route's notification filters but is not of its kind (the
// filters are coarser than the layout) is not routed.
func TestMatchesNeedsTheKind(t *testing.T) {
	for _, key := range []string{"etl/day=21/_manifest.json", "etl/x/_manifest.json", "models/ncf/r1/x/champion.json", "quality/x/report.json"} {
		for _, r := range Routes {
			if strings.HasPrefix(key, r.Prefix) && strings.HasSuffix(key, r.Suffix) && r.Matches(key) {
				t.Errorf("route %s matches %q", r.Name, key)
			}
		}
	}
	for _, r := range Routes {
		if k := (layout.Key{Kind: r.Kind, Day: 7, Model: "ncf", Name: "x"}); !slices.Contains(MatchKey(k), r) {
			t.Errorf("MatchKey(%+v) lacks route %s", k, r.Name)
		}
	}
}

func TestFunctions(t *testing.T) {
	if got, want := Functions(), []string{QualityCheck, ABEval, Retrain}; !reflect.DeepEqual(got, want) {
		t.Errorf("Functions() = %v, want %v", got, want)
	}
}

func ExampleMatch() {
	for _, key := range []string{"etl/day=03/_manifest.json", layout.QualityReport(3), "models/ncf/champion.json", "etl/day=03/batch.csv"} {
		for _, r := range Match(key) {
			k, _ := layout.Parse(key)
			fmt.Printf("%s -> %s %s day=%v model=%q\n", key, r.Function, k.Kind, k.Day, k.Model)
		}
	}
	// Output:
	// etl/day=03/_manifest.json -> quality-check etl-manifest day=03 model=""
	// quality/day=03/report.json -> ab-eval quality-report day=03 model=""
	// models/ncf/champion.json -> ab-eval champion day=00 model="ncf"
}
