package jobs

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
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
		{"quality/day=03/report.json", []string{"quality-report"}},
		{"quality/history.json", nil},
		{"quality/day=03/report.json.tmp", nil},
		{"models/ncf/champion.json", []string{"model-champion"}},
		{"models/ss4rec/champion.json", []string{"model-champion"}},
		{"models/ncf/run-20261120/champion.json", nil},
		{"models/champion.json", nil},
		{"prepared/ml-latest-small/_manifest.json", nil},
		{"runs/quality-check/x.json", nil},
		{"abtest/day=03/result.json", nil},
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
		if r.Name == "" || r.Function == "" || r.Pattern == nil || r.Doc == "" {
			t.Errorf("route %d is incomplete: %+v", i, r)
		}
		if names[r.Name] {
			t.Errorf("route name %q repeated", r.Name)
		}
		names[r.Name] = true
		if !plain.MatchString(r.Prefix) || !plain.MatchString(r.Suffix) || r.Prefix == "" || r.Suffix == "" {
			t.Errorf("route %s: filters %q / %q must be non-empty plain ASCII", r.Name, r.Prefix, r.Suffix)
		}
		if !strings.HasPrefix(r.Pattern.String(), "^"+regexp.QuoteMeta(r.Prefix)) {
			t.Errorf("route %s: pattern %s does not start with the prefix filter %q", r.Name, r.Pattern, r.Prefix)
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

func TestFields(t *testing.T) {
	tests := []struct {
		route int
		key   string
		want  map[string]string
	}{
		{0, "etl/day=07/_manifest.json", map[string]string{"day": "07"}},
		{1, "quality/day=12/report.json", map[string]string{"day": "12"}},
		{2, "models/ncf/champion.json", map[string]string{"model": "ncf"}},
		{2, "etl/day=07/_manifest.json", nil},
	}
	for _, tt := range tests {
		if got := Routes[tt.route].Fields(tt.key); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Routes[%d].Fields(%q) = %v, want %v", tt.route, tt.key, got, tt.want)
		}
	}
}

func TestFunctions(t *testing.T) {
	if got, want := Functions(), []string{QualityCheck, ABEval}; !reflect.DeepEqual(got, want) {
		t.Errorf("Functions() = %v, want %v", got, want)
	}
}

func ExampleMatch() {
	for _, key := range []string{"etl/day=03/_manifest.json", "quality/day=03/report.json", "models/ncf/champion.json", "etl/day=03/batch.csv"} {
		for _, r := range Match(key) {
			fmt.Printf("%s -> %s %v\n", key, r.Function, r.Fields(key))
		}
	}
	// Output:
	// etl/day=03/_manifest.json -> quality-check map[day:03]
	// quality/day=03/report.json -> ab-eval map[day:03]
	// models/ncf/champion.json -> ab-eval map[model:ncf]
}
