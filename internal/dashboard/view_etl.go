package dashboard

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"github.com/recpipe/recpipe/internal/layout"
	"io"
	"slices"
	"strconv"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/blob"
)

// rejectSamples is how many rejected rows of a day the ETL page shows.
const rejectSamples = 5

// etlView is the ETL page: the feed's progress and each released day.
type etlView struct {
	Status   *etl.Status `json:"status"` // nil before the first release
	FeedDays int         `json:"feed_days"`
	Days     []etlDay    `json:"days"`
}

// etlDay is one released day.
type etlDay struct {
	Day         int              `json:"day"`
	Dataset     string           `json:"dataset"`
	PlannedRows int              `json:"planned_rows"`
	Rows        int              `json:"rows"`
	Rejected    int              `json:"rejected"`
	Reasons     []reasonCount    `json:"reasons"`
	TimeRange   etl.TimeRange    `json:"time_range"`
	Timings     etl.DayTimings   `json:"timings"`
	RejectedKey string           `json:"rejected_key"`
	Samples     []rejectedSample `json:"samples"` // the first rejected rows
}

type reasonCount struct {
	Reason string `json:"reason"`
	Rows   int    `json:"rows"`
}

// rejectedSample is one line of etl/day=NN/rejected.csv.
type rejectedSample struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
	Raw    string `json:"raw"`
}

func (s *Server) etlView(ctx context.Context) (any, error) {
	v := &etlView{FeedDays: layout.Days, Days: []etlDay{}}
	var st etl.Status
	switch err := blob.ReadJSON(ctx, s.b, layout.ETLStatus, &st); {
	case err == nil:
		v.Status = &st
	case !errors.Is(err, blob.ErrNotFound):
		return nil, err
	}
	ms, err := etl.DayManifests(ctx, s.b)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		d := etlDay{Day: m.Day, Dataset: m.Dataset, PlannedRows: m.PlannedRows, Rows: m.Rows, Rejected: m.Rejected,
			Reasons: []reasonCount{}, TimeRange: m.TimeRange, Timings: m.Timings, RejectedKey: m.RejectedRows.Key, Samples: []rejectedSample{}}
		for r, n := range m.RejectReasons {
			d.Reasons = append(d.Reasons, reasonCount{r, n})
		}
		slices.SortFunc(d.Reasons, func(a, b reasonCount) int { return cmp.Or(b.Rows-a.Rows, cmp.Compare(a.Reason, b.Reason)) })
		if m.Rejected > 0 && m.RejectedRows.Key != "" {
			samples, err := cachedDecode(ctx, s.docs, s.b, m.RejectedRows.Key, m.RejectedRows.SHA256, func(data []byte) (*[]rejectedSample, error) {
				return parseRejected(data, m.RejectedRows.Key, rejectSamples)
			})
			if err != nil {
				return nil, err
			}
			d.Samples = *samples
		}
		v.Days = append(v.Days, d)
	}
	return v, nil
}

// parseRejected reads the first n rows of a rejected.csv (header etl.RejectedHeader).
func parseRejected(data []byte, key string, n int) (*[]rejectedSample, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = 3
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", key, err)
	}
	if got := head[0] + "," + head[1] + "," + head[2]; got != etl.RejectedHeader {
		return nil, fmt.Errorf("%s: header %q, want %q", key, got, etl.RejectedHeader)
	}
	out := []rejectedSample{}
	for len(out) < n {
		rec, err := r.Read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		line, err := strconv.Atoi(rec[0])
		if err != nil {
			return nil, fmt.Errorf("%s: line number %q: %w", key, rec[0], err)
		}
		out = append(out, rejectedSample{Line: line, Reason: rec[1], Raw: rec[2]})
	}
	return &out, nil
}
