package abtest

import "fmt"

// Bucket keys and schema names owned by ab-eval.
const (
	Prefix        = "abtest/"
	SummaryKey    = "abtest/summary.json"
	ReportKey     = "abtest/report.html"
	ResultSchema  = "ab-result/v1"
	SummarySchema = "ab-summary/v1"
	ResultName    = "result.json"
	UnitsName     = "units.csv"
)

// DayKey is abtest/day=NN/<name>.
func DayKey(d int, name string) string { return fmt.Sprintf("abtest/day=%02d/%s", d, name) }

// ResultKey is abtest/day=NN/result.json.
func ResultKey(d int) string { return DayKey(d, ResultName) }

// UnitsKey is abtest/day=NN/units.csv: the per-user paired sums behind the day's statistics.
func UnitsKey(d int) string { return DayKey(d, UnitsName) }

// QualityReportKey is quality/day=NN/report.json, the gate ab-eval waits for.
func QualityReportKey(d int) string { return fmt.Sprintf("quality/day=%02d/report.json", d) }
