package quality

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
)

// ErrNotReleased: the day has no committed manifest, so there is nothing to check.
var ErrNotReleased = errors.New("day not released")

// Checker runs the quality gate on released days of the feed in one bucket.
type Checker struct {
	Bucket     blob.Bucket
	Thresholds *Thresholds // nil: the embedded defaults
	// Dataset, when set, is the prepared dataset the feed must come from; a day
	// released from another is an error.
	Dataset string
	Log     *slog.Logger
}

// dayInput is everything the checks of one day look at.
type dayInput struct {
	day         int
	th          *Thresholds
	m           *etl.DayManifest
	src         etl.FeedSource
	prof        *Profile
	batchSHA256 string
	b           *batch
	earlier     []*etl.DayManifest // released days before this one, in order
	history     []historyDay       // metrics of earlier days, in day order
	metrics     Metrics
}

// Check measures day d, writes quality/day=NN/report.json (also when the day fails)
// and rebuilds quality/history.json. It returns the report, and an error wrapping
// ErrGateFailed when an error-severity check failed.
func (c *Checker) Check(ctx context.Context, d int) (*Report, error) {
	in, err := c.load(ctx, d)
	if err != nil {
		return nil, err
	}
	rep := &Report{Schema: ReportSchema, Dataset: in.m.Dataset, Day: d, Metrics: in.metrics,
		Inputs: ReportInputs{DayManifestKey: layout.ETLManifest(layout.Day(d)), BatchSHA256: in.batchSHA256,
			PreparedManifestSHA256: in.src.ManifestSHA256, ThresholdsSHA256: in.th.SHA256, HistoryDays: []int{}}}
	for _, h := range in.history {
		rep.Inputs.HistoryDays = append(rep.Inputs.HistoryDays, h.Day)
	}
	rep.Results = append(rep.Results, in.integrity(), in.completeness())
	rep.Results = append(rep.Results, in.validity()...)
	rep.Results = append(rep.Results, in.uniqueWithinDay())
	for _, f := range []func(context.Context, *dayInput) (Result, error){c.uniqueEarlier, c.uniqueTrain} {
		res, err := f(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("quality day %d: %w", d, err)
		}
		rep.Results = append(rep.Results, res)
	}
	rep.Results = append(rep.Results, in.consistencyStart(), in.consistencyOrder(), in.consistencyCatalogue(), in.volume(), in.rejectedShare())
	rep.Results = append(rep.Results, in.drift()...)
	rep.Results = append(rep.Results, in.anomalies()...)
	rep.finish()
	key := layout.QualityReport(layout.Day(d))
	if _, _, err := blob.WriteJSON(ctx, c.Bucket, key, rep); err != nil {
		return nil, fmt.Errorf("write %s: %w", key, err)
	}
	if err := c.rebuildHistory(ctx); err != nil {
		return rep, err
	}
	c.log().Info("quality checked", "day", d, "success", rep.Success, "failed_errors", rep.Failed(Error), "failed_warnings", rep.Failed(Warn))
	return rep, rep.Err()
}

// CheckAll checks every released day in day order (an unchanged day rewrites
// nothing). It goes on past a failed day and then returns an error wrapping
// ErrGateFailed that names every failed day; other errors stop it.
func (c *Checker) CheckAll(ctx context.Context) ([]*Report, error) {
	done, err := layout.ReleasedDays(ctx, c.Bucket)
	if err != nil {
		return nil, err
	}
	var reps []*Report
	var failed []error
	for _, d := range done {
		rep, err := c.Check(ctx, int(d))
		if rep != nil {
			reps = append(reps, rep)
		}
		switch {
		case errors.Is(err, ErrGateFailed):
			failed = append(failed, err)
		case err != nil:
			return reps, err
		}
	}
	return reps, errors.Join(failed...)
}

func (c *Checker) load(ctx context.Context, d int) (*dayInput, error) {
	if err := layout.Day(d).Validate(); err != nil {
		return nil, err
	}
	in := &dayInput{day: d, th: c.Thresholds, metrics: Metrics{}}
	if in.th == nil {
		in.th = DefaultThresholds()
	}
	mkey := layout.ETLManifest(layout.Day(d))
	m, err := etl.ReadDayManifest(ctx, c.Bucket, d)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s is missing (run etl-day --day %d first)", ErrNotReleased, mkey, d)
	}
	if err != nil {
		return nil, err
	}
	if c.Dataset != "" && m.Dataset != c.Dataset {
		return nil, fmt.Errorf("%w: %s was released from %q, not %q", etl.ErrConflict, mkey, m.Dataset, c.Dataset)
	}
	in.m = m
	if in.src, err = etl.LoadFeedSource(ctx, c.Bucket, m.Dataset); err != nil {
		return nil, err
	}
	if in.src.ManifestSHA256 != m.Source.ManifestSHA256 {
		return nil, fmt.Errorf("%s was released from prepared data with manifest sha256 %s, but %s now has %s: re-release the feed",
			mkey, m.Source.ManifestSHA256, in.src.ManifestKey, in.src.ManifestSHA256)
	}
	var built bool
	if in.prof, built, err = LoadProfile(ctx, c.Bucket, in.src); err != nil {
		return nil, err
	}
	if built {
		c.log().Info("built the train profile", "key", layout.QualityTrainProfile, "train_rows", in.prof.Rows)
	}
	data, err := blob.ReadAll(ctx, c.Bucket, m.Batch.Key)
	if err != nil {
		return nil, fmt.Errorf("day %d batch: %w", d, err)
	}
	sum := sha256.Sum256(data)
	in.batchSHA256 = hex.EncodeToString(sum[:])
	in.b = readBatch(data, m.TimeRange)
	all, err := etl.DayManifests(ctx, c.Bucket)
	if err != nil {
		return nil, err
	}
	for _, e := range all {
		if e.Day < d {
			in.earlier = append(in.earlier, e)
		}
	}
	if in.history, err = c.loadHistory(ctx, in); err != nil {
		return nil, err
	}
	return in, nil
}

func (c *Checker) log() *slog.Logger {
	if c.Log != nil {
		return c.Log
	}
	return slog.New(slog.DiscardHandler)
}
