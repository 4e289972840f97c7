package etl

import "fmt"

// Days is the length of the production feed: the test period is released in 20 daily slices.
const Days = 20

// Bucket keys owned by etl. Every other package reads them through these functions.
const (
	StatusKey         = "etl/status.json"
	ManifestName      = "_manifest.json"
	DefaultDataset    = "ml-latest-small"
	PreparedManifest  = "prepared-manifest/v1" // schema name of prepared/<ds>/_manifest.json
	DayManifestSchema = "etl-day-manifest/v1"  // schema name of etl/day=NN/_manifest.json (type DayManifest)
)

// PreparedKey is prepared/<ds>/<name>: train.csv, val.csv, test.csv, items.csv, _manifest.json.
func PreparedKey(dataset, name string) string { return "prepared/" + dataset + "/" + name }

// RawKey is raw/<ds>/<name>: a file of the release as prepare read it (the zip, or
// the ratings and movies files of a folder).
func RawKey(dataset, name string) string { return "raw/" + dataset + "/" + name }

// DayPrefix is etl/day=NN/ for day d (1-based, two digits).
func DayPrefix(d int) string { return fmt.Sprintf("etl/day=%02d/", d) }

// DayKey is etl/day=NN/<name>: batch.csv, rejected.csv, _manifest.json.
func DayKey(d int, name string) string { return DayPrefix(d) + name }

// DayBounds returns the half-open range [lo, hi) of time-sorted test rows released on
// day d of Days, for n test rows: [floor((d-1)·n/Days), floor(d·n/Days)). The 20 days
// partition [0, n) exactly.
func DayBounds(d, n int) (lo, hi int) {
	return int(int64(d-1) * int64(n) / Days), int(int64(d) * int64(n) / Days)
}
