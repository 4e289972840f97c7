package etl

import "github.com/recpipe/recpipe/internal/layout"

// Days is the length of the production feed: the test period is released in
// layout.Days (20) daily slices.
const Days = layout.Days

// Dataset and schema names owned by etl; its keys are spelled in internal/layout.
const (
	DefaultDataset    = "ml-latest-small"
	PreparedManifest  = "prepared-manifest/v1" // schema name of prepared/<ds>/_manifest.json
	DayManifestSchema = "etl-day-manifest/v1"  // schema name of etl/day=NN/_manifest.json (type DayManifest)
)

// DayBounds returns the half-open range [lo, hi) of time-sorted test rows released on
// day d of Days, for n test rows: [floor((d-1)·n/Days), floor(d·n/Days)). The 20 days
// partition [0, n) exactly.
func DayBounds(d, n int) (lo, hi int) {
	return int(int64(d-1) * int64(n) / Days), int(int64(d) * int64(n) / Days)
}
