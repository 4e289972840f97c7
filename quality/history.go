package quality

import (
	"context"
	"fmt"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
)

// History is quality/history.json: one entry per checked day, rebuilt from the day
// reports every time one is written, so repeated or out-of-order runs converge on
// the same document.
type History struct {
	Schema  string       `json:"schema"`
	Dataset string       `json:"dataset"`
	Days    []HistoryDay `json:"days"`
}

// HistoryDay is one day's outcome and metrics.
type HistoryDay struct {
	Day            int      `json:"day"`
	Success        bool     `json:"success"`
	SuccessPercent float64  `json:"success_percent"`
	FailedErrors   []string `json:"failed_errors"`
	FailedWarnings []string `json:"failed_warnings"`
	Metrics        Metrics  `json:"metrics"`
}

// Reports reads every quality/day=NN/report.json, in day order.
func Reports(ctx context.Context, b blob.Bucket) ([]*Report, error) {
	days, err := layout.CheckedDays(ctx, b)
	if err != nil {
		return nil, err
	}
	var out []*Report
	for _, d := range days {
		r, err := ReadReport(ctx, b, d)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// BuildHistory derives the history from the day reports in the bucket.
func BuildHistory(ctx context.Context, b blob.Bucket) (*History, error) {
	reports, err := Reports(ctx, b)
	if err != nil {
		return nil, err
	}
	h := &History{Schema: HistorySchema, Days: []HistoryDay{}}
	for _, r := range reports {
		h.Dataset = r.Dataset
		h.Days = append(h.Days, HistoryDay{Day: r.Day, Success: r.Success, SuccessPercent: r.Statistics.SuccessPercent,
			FailedErrors: nonNil(r.Failed(Error)), FailedWarnings: nonNil(r.Failed(Warn)), Metrics: r.Metrics})
	}
	return h, nil
}

// rebuildHistory writes the history if it changed, and again if a concurrent check
// added a report meanwhile.
func (c *Checker) rebuildHistory(ctx context.Context) error {
	for range 3 {
		h, err := BuildHistory(ctx, c.Bucket)
		if err != nil {
			return err
		}
		if _, _, err := blob.WriteJSON(ctx, c.Bucket, layout.QualityHistory, h); err != nil {
			return fmt.Errorf("write %s: %w", layout.QualityHistory, err)
		}
		again, err := BuildHistory(ctx, c.Bucket)
		if err != nil {
			return err
		}
		a, _ := blob.MarshalJSON(h)
		b, _ := blob.MarshalJSON(again)
		if string(a) == string(b) {
			return nil
		}
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
