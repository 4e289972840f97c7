package quality

import (
	"context"
	"errors"
	"fmt"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
)

// historyDay is one earlier day's metrics, as the anomaly checks of a later day see them.
type historyDay struct {
	Day     int
	Metrics Metrics
}

// loadHistory returns the metrics of every released day before in.day from the same
// dataset, in day order. A day's metrics are a function of its batch, its manifest and
// the train profile only, so the history is the same whatever days have been checked
// yet: an earlier day's report supplies them when it was computed from the same batch
// and prepared data, and otherwise they are measured from the batch here. (Reading the
// reports alone made a day's report depend on the order the days were checked in.)
func (c *Checker) loadHistory(ctx context.Context, in *dayInput) ([]historyDay, error) {
	var out []historyDay
	for _, e := range in.earlier {
		if e.Dataset != in.m.Dataset {
			continue
		}
		met, err := c.earlierMetrics(ctx, in, e)
		if err != nil {
			return nil, err
		}
		out = append(out, historyDay{Day: e.Day, Metrics: met})
	}
	return out, nil
}

// earlierMetrics returns the metrics of the released day e, from its report when the
// report pins e's batch and the same prepared data, else measured from e's batch.
func (c *Checker) earlierMetrics(ctx context.Context, in *dayInput, e *etl.DayManifest) (Metrics, error) {
	key := layout.QualityReport(layout.Day(e.Day))
	var rep Report
	err := blob.ReadJSON(ctx, c.Bucket, key, &rep)
	switch {
	case err == nil && rep.Schema == ReportSchema && rep.Day == e.Day && rep.Dataset == e.Dataset &&
		rep.Inputs.BatchSHA256 == e.Batch.SHA256 && rep.Inputs.PreparedManifestSHA256 == in.src.ManifestSHA256 && rep.Metrics != nil:
		return rep.Metrics, nil
	case err != nil && !errors.Is(err, blob.ErrNotFound):
		return nil, err
	}
	data, err := blob.ReadAll(ctx, c.Bucket, e.Batch.Key)
	if err != nil {
		return nil, fmt.Errorf("day %d batch (history of day %d): %w", e.Day, in.day, err)
	}
	ein := &dayInput{day: e.Day, th: in.th, m: e, src: in.src, prof: in.prof, b: readBatch(data, e.TimeRange), metrics: Metrics{}}
	ein.drift()
	return ein.metrics, nil
}
