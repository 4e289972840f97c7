package abtest

// Schema names owned by ab-eval; its keys (abtest/day=NN/result.json and units.csv,
// abtest/summary.json, abtest/report.html) are spelled in internal/layout.
const (
	ResultSchema  = "ab-result/v2"
	SummarySchema = "ab-summary/v2"
)
