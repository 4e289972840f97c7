package etl

import (
	"bytes"
	"encoding/json"
	"time"
)

// DayManifest is etl/day=NN/_manifest.json, the marker of a released day (schema
// "etl-day-manifest/v1"). It is written last, once, with a conditional write; a rerun
// never rewrites it. Every field but Timings is a pure function of the prepared
// dataset, so two runs of the same day agree on them (see Same). Timings and peak
// memory are those of the run that committed the day: they are measurements, not
// derived data, and a rerun keeps the first run's figures instead of rewriting the
// object.
type DayManifest struct {
	Schema        string         `json:"schema"`
	Dataset       string         `json:"dataset"`
	Day           int            `json:"day"`
	Days          int            `json:"days"`
	Source        DaySource      `json:"source"`
	PlannedRows   int            `json:"planned_rows"` // rows of the day's slice, DayBounds(day, test rows)
	Rows          int            `json:"rows"`         // rows released in batch.csv
	Rejected      int            `json:"rejected"`     // rows kept aside in rejected.csv
	RejectReasons map[string]int `json:"reject_reasons"`
	TimeRange     TimeRange      `json:"time_range"` // of the released rows
	Batch         ObjectRef      `json:"batch"`
	RejectedRows  ObjectRef      `json:"rejected_rows"`
	Timings       DayTimings     `json:"timings"`
}

// DaySource says where the day's rows came from.
type DaySource struct {
	ManifestKey    string `json:"manifest_key"`    // prepared/<ds>/_manifest.json
	ManifestSHA256 string `json:"manifest_sha256"` // sha256 of that object's bytes
	TestKey        string `json:"test_key"`
	TestRows       int    `json:"test_rows"`
	RowLo          int    `json:"row_lo"` // first test row of the day (0-based, inclusive)
	RowHi          int    `json:"row_hi"` // end of the day's rows (exclusive)
	ByteOffset     int64  `json:"byte_offset"`
	ByteLength     int64  `json:"byte_length"`
}

// TimeRange is a closed range of Unix seconds.
type TimeRange struct {
	Min int64 `json:"min"`
	Max int64 `json:"max"`
}

// ObjectRef names an object and its content.
type ObjectRef struct {
	Key    string `json:"key"`
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
}

// DayTimings are the measurements of the run that committed the day.
type DayTimings struct {
	ReadMS       float64 `json:"read_ms"`
	ValidateMS   float64 `json:"validate_ms"`
	WriteMS      float64 `json:"write_ms"`
	TotalMS      float64 `json:"total_ms"`
	RowsPerSec   float64 `json:"rows_per_sec"`
	PeakRSSBytes int64   `json:"peak_rss_bytes"` // process high-water mark (VmHWM) at commit; 0 where unknown
}

// Same reports whether m and o describe the same release: every field but the
// timings of the run agrees.
func (m *DayManifest) Same(o *DayManifest) bool {
	a, b := *m, *o
	a.Timings, b.Timings = DayTimings{}, DayTimings{}
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
