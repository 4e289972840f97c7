package etl

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
)

// StatusSchema is the schema name of etl/status.json.
const StatusSchema = "etl-status/v1"

// Status is etl/status.json: the progress of the feed. It is derived only from the
// committed day manifests (and the prepared manifest for the total), so every writer
// computes the same document, and it is written with blob.WriteJSON: an unchanged
// status is not rewritten.
type Status struct {
	Schema           string     `json:"schema"`
	Dataset          string     `json:"dataset"`
	Days             int        `json:"days"`
	DaysDone         []int      `json:"days_done"`
	DaysReleased     int        `json:"days_released"`
	CurrentDay       int        `json:"current_day"` // highest released day; 0 before the first
	NextDay          int        `json:"next_day"`    // first unreleased day; 0 when all are released
	CompletionPct    float64    `json:"completion_pct"`
	TestRows         int        `json:"test_rows"`
	RecordsProcessed int        `json:"records_processed"` // test rows of released days (released + rejected)
	RowsReleased     int        `json:"rows_released"`
	RowsRejected     int        `json:"rows_rejected"`
	RecordsRemaining int        `json:"records_remaining"`
	DataThrough      int64      `json:"data_through,omitempty"` // latest released timestamp (Unix seconds)
	LastUpdate       *time.Time `json:"last_update"`            // commit time of the newest day manifest
}

// ReadDayManifest reads etl/day=NN/_manifest.json; a missing day wraps blob.ErrNotFound.
func ReadDayManifest(ctx context.Context, b blob.Bucket, d int) (*DayManifest, error) {
	var m DayManifest
	if err := blob.ReadJSON(ctx, b, layout.ETLManifest(layout.Day(d)), &m); err != nil {
		return nil, err
	}
	if m.Schema != DayManifestSchema {
		return nil, fmt.Errorf("%s: schema %q, want %q", layout.ETLManifest(layout.Day(d)), m.Schema, DayManifestSchema)
	}
	return &m, nil
}

// DayManifests returns the committed day manifests in day order.
func DayManifests(ctx context.Context, b blob.Bucket) ([]*DayManifest, error) {
	ms, _, err := dayManifests(ctx, b)
	return ms, err
}

func dayManifests(ctx context.Context, b blob.Bucket) ([]*DayManifest, []blob.Attrs, error) {
	objs, err := layout.ListDays(ctx, b, layout.KindETLManifest)
	if err != nil {
		return nil, nil, err
	}
	var ms []*DayManifest
	var attrs []blob.Attrs
	for _, o := range objs {
		m, err := ReadDayManifest(ctx, b, int(o.Day))
		if err != nil {
			return nil, nil, err
		}
		ms = append(ms, m)
		attrs = append(attrs, o.Attrs)
	}
	return ms, attrs, nil
}

// BuildStatus derives the status from the committed day manifests. src, when not nil,
// gives the dataset and test size before any day is released.
func BuildStatus(ctx context.Context, b blob.Bucket, src *FeedSource) (*Status, error) {
	ms, attrs, err := dayManifests(ctx, b)
	if err != nil {
		return nil, err
	}
	s := &Status{Schema: StatusSchema, Days: Days, DaysDone: []int{}}
	if src != nil {
		s.Dataset, s.TestRows = src.Dataset, src.TestRows()
	}
	done := map[int]bool{}
	for i, m := range ms {
		s.Dataset, s.TestRows = m.Dataset, m.Source.TestRows
		s.DaysDone = append(s.DaysDone, m.Day)
		done[m.Day] = true
		s.CurrentDay = max(s.CurrentDay, m.Day)
		s.RecordsProcessed += m.Rows + m.Rejected
		s.RowsReleased += m.Rows
		s.RowsRejected += m.Rejected
		if m.Rows > 0 {
			s.DataThrough = max(s.DataThrough, m.TimeRange.Max)
		}
		if t := attrs[i].ModTime.UTC(); s.LastUpdate == nil || t.After(*s.LastUpdate) {
			s.LastUpdate = &t
		}
	}
	s.DaysReleased = len(s.DaysDone)
	for d := 1; d <= Days; d++ {
		if !done[d] {
			s.NextDay = d
			break
		}
	}
	s.RecordsRemaining = s.TestRows - s.RecordsProcessed
	if s.TestRows > 0 {
		s.CompletionPct = math.Round(10000*float64(s.RecordsProcessed)/float64(s.TestRows)) / 100
	}
	return s, nil
}

// RefreshStatus rebuilds etl/status.json from the committed day manifests and writes it
// if it changed. It re-reads the manifests after writing and writes again if a
// concurrent release committed a day meanwhile, so the last writer never leaves a
// stale status behind.
func RefreshStatus(ctx context.Context, b blob.Bucket, src *FeedSource) (wrote bool, err error) {
	for range 3 {
		s, err := BuildStatus(ctx, b, src)
		if err != nil {
			return wrote, err
		}
		_, w, err := blob.WriteJSON(ctx, b, layout.ETLStatus, s)
		if err != nil {
			return wrote, fmt.Errorf("write %s: %w", layout.ETLStatus, err)
		}
		wrote = wrote || w
		again, err := BuildStatus(ctx, b, src)
		if err != nil {
			return wrote, err
		}
		if again.DaysReleased == s.DaysReleased {
			return wrote, nil
		}
	}
	return wrote, nil
}
