package etl

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
)

// Errors of the daily release; callers test them with errors.Is.
var (
	// ErrAllReleased: every day of the feed is already released (not a failure).
	ErrAllReleased = errors.New("all days are released")
	// ErrTooManyRejected: the day's rejected share passed the threshold; nothing was committed.
	ErrTooManyRejected = errors.New("rejected share over the threshold")
	// ErrConflict: the bucket already holds a different release of the day.
	ErrConflict = errors.New("conflicting release")
)

// DefaultMaxRejectedShare is the share of a day's rows that may be rejected before the day fails.
const DefaultMaxRejectedShare = 0.01

// Outcome says what a release did.
type Outcome string

const (
	Released  Outcome = "released"  // this run committed the day
	Unchanged Outcome = "unchanged" // the day was already released from the same data: nothing written
	LostRace  Outcome = "lost-race" // a concurrent run committed the same day first: nothing committed here
)

// Releaser releases days of the test split of one prepared dataset.
type Releaser struct {
	Bucket  blob.Bucket
	Dataset string
	// MaxRejectedShare is the share of a day's rows that may be rejected before the
	// day fails; nil means DefaultMaxRejectedShare, and 0 allows no rejected row.
	MaxRejectedShare *float64
	Log              *slog.Logger
}

func (r *Releaser) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (r *Releaser) maxRejected() float64 {
	if r.MaxRejectedShare != nil {
		return *r.MaxRejectedShare
	}
	return DefaultMaxRejectedShare
}

// Release releases day d: it reads the day's byte range of test.csv (one ranged
// read), keeps malformed rows aside with their line number and reason, writes
// batch.csv and rejected.csv (deterministic bytes, rewritten only if different), and
// commits the manifest last with a conditional write; a concurrent run that loses
// the race checks that the committed manifest is the same release (LostRace).
// Rerunning a released day writes nothing and returns the committed manifest with
// Unchanged; a day past the last returns ErrAllReleased. When the rejected share
// passes the threshold the day fails with ErrTooManyRejected: rejected.csv is there
// to read, but no manifest is committed, so the day is not released. After a commit
// (or a rerun) etl/status.json is refreshed.
func (r *Releaser) Release(ctx context.Context, d int) (*DayManifest, Outcome, error) {
	if d < 1 || d > Days {
		if d > Days {
			return nil, "", fmt.Errorf("day %d: %w (the feed has %d days)", d, ErrAllReleased, Days)
		}
		return nil, "", layout.Day(d).Validate()
	}
	src, err := LoadFeedSource(ctx, r.Bucket, r.Dataset)
	if err != nil {
		return nil, "", err
	}
	if err := r.checkFeed(ctx, src); err != nil {
		return nil, "", err
	}
	if m, err := ReadDayManifest(ctx, r.Bucket, d); err == nil {
		if m.Dataset != src.Dataset || m.Source.ManifestSHA256 != src.ManifestSHA256 {
			return nil, "", fmt.Errorf("%w: %s was released from %s (prepared manifest sha256 %s), not from the current %s (%s)",
				ErrConflict, layout.ETLManifest(layout.Day(d)), m.Dataset, m.Source.ManifestSHA256, src.Dataset, src.ManifestSHA256)
		}
		return m, Unchanged, r.refreshStatus(ctx, src)
	} else if !errors.Is(err, blob.ErrNotFound) {
		return nil, "", err
	}
	m, err := r.build(ctx, src, d)
	if err != nil {
		return nil, "", err
	}
	return r.commit(ctx, src, m)
}

// build reads, validates and writes the day's rows, and returns the manifest to commit.
func (r *Releaser) build(ctx context.Context, src FeedSource, d int) (*DayManifest, error) {
	start := time.Now()
	lo, hi, off, n := src.DaySpan(d)
	rc, err := blob.GetRange(ctx, r.Bucket, src.TestKey(), off, n)
	if err != nil {
		return nil, fmt.Errorf("read day %d of %s: %w", d, src.TestKey(), err)
	}
	raw, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return nil, fmt.Errorf("read day %d of %s: %w", d, src.TestKey(), err)
	}
	tRead := time.Now()
	s, err := splitDay(raw, lo+2, src.TestPeriod())
	if err != nil {
		return nil, fmt.Errorf("%s day %d (bytes %d+%d): %w", src.TestKey(), d, off, n, err)
	}
	if s.lines != hi-lo {
		return nil, fmt.Errorf("%s day %d holds %d lines, its manifest %s plans %d (rows %d..%d): the object does not match its manifest",
			src.TestKey(), d, s.lines, src.ManifestKey, hi-lo, lo, hi)
	}
	tValidate := time.Now()
	m := &DayManifest{
		Schema: DayManifestSchema, Dataset: src.Dataset, Day: d, Days: Days,
		Source: DaySource{
			ManifestKey: src.ManifestKey, ManifestSHA256: src.ManifestSHA256,
			TestKey: src.TestKey(), TestRows: src.TestRows(), RowLo: lo, RowHi: hi, ByteOffset: off, ByteLength: n,
		},
		PlannedRows: hi - lo, Rows: s.rows, Rejected: s.nreject, RejectReasons: s.reasons, TimeRange: s.time,
		Batch:        ref(layout.Batch(layout.Day(d)), s.batch),
		RejectedRows: ref(layout.Rejected(layout.Day(d)), s.rejected),
	}
	for _, o := range []struct {
		key  string
		data []byte
	}{{m.RejectedRows.Key, s.rejected}, {m.Batch.Key, s.batch}} {
		if _, _, err := blob.PutIfChanged(ctx, r.Bucket, o.key, o.data); err != nil {
			return nil, fmt.Errorf("write %s: %w", o.key, err)
		}
	}
	if share := float64(s.nreject) / float64(max(hi-lo, 1)); share > r.maxRejected() {
		return nil, fmt.Errorf("day %d: %w: %d of %d rows rejected (%.2f%% > %.2f%%): %s; see %s; the day is not released",
			d, ErrTooManyRejected, s.nreject, hi-lo, 100*share, 100*r.maxRejected(), formatReasons(s.reasons), m.RejectedRows.Key)
	}
	end := time.Now()
	m.Timings = DayTimings{
		ReadMS: ms(tRead.Sub(start)), ValidateMS: ms(tValidate.Sub(tRead)), WriteMS: ms(end.Sub(tValidate)),
		TotalMS: ms(end.Sub(start)), PeakRSSBytes: peakRSS(),
	}
	if sec := end.Sub(start).Seconds(); sec > 0 {
		m.Timings.RowsPerSec = float64(int64(float64(s.lines) / sec))
	}
	return m, nil
}

// commit writes the manifest last and only if absent; a lost race is fine when the
// committed manifest is the same release.
func (r *Releaser) commit(ctx context.Context, src FeedSource, m *DayManifest) (*DayManifest, Outcome, error) {
	key := layout.ETLManifest(layout.Day(m.Day))
	data, err := blob.MarshalJSON(m)
	if err != nil {
		return nil, "", fmt.Errorf("encode %s: %w", key, err)
	}
	out := Released
	if _, err := blob.PutBytes(ctx, r.Bucket, key, data, blob.PutOptions{IfAbsent: true, ContentType: "application/json"}); errors.Is(err, blob.ErrExists) {
		won, rerr := ReadDayManifest(ctx, r.Bucket, m.Day)
		if rerr != nil {
			return nil, "", rerr
		}
		if !won.Same(m) {
			return nil, "", fmt.Errorf("%w: a concurrent run committed %s with different content", ErrConflict, key)
		}
		r.log().Info("a concurrent run released the day first; same result", "day", m.Day, "key", key)
		m, out = won, LostRace
	} else if err != nil {
		return nil, "", fmt.Errorf("commit %s: %w", key, err)
	} else {
		r.log().Info("released", "day", m.Day, "rows", m.Rows, "rejected", m.Rejected, "ms", m.Timings.TotalMS)
	}
	return m, out, r.refreshStatus(ctx, src)
}

// Next releases the first unreleased day; ErrAllReleased when there is none.
func (r *Releaser) Next(ctx context.Context) (*DayManifest, Outcome, error) {
	done, err := layout.ReleasedDays(ctx, r.Bucket)
	if err != nil {
		return nil, "", err
	}
	for _, d := range layout.AllDays() {
		if !slices.Contains(done, d) {
			return r.Release(ctx, int(d))
		}
	}
	return nil, "", fmt.Errorf("%w: %d of %d", ErrAllReleased, Days, Days)
}

// Simulate releases the next n unreleased days in order. It stops quietly (nil
// error) when every day is released, and at the first failing day otherwise.
func (r *Releaser) Simulate(ctx context.Context, n int) ([]*DayManifest, error) {
	var out []*DayManifest
	for i := 0; i < n; i++ {
		m, _, err := r.Next(ctx)
		if errors.Is(err, ErrAllReleased) {
			r.log().Info("all days are released", "days", Days)
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, m)
	}
	return out, nil
}

// checkFeed refuses to mix datasets: every committed day must come from src.
func (r *Releaser) checkFeed(ctx context.Context, src FeedSource) error {
	days, err := DayManifests(ctx, r.Bucket)
	if err != nil {
		return err
	}
	for _, m := range days {
		if m.Dataset != src.Dataset || m.Source.ManifestSHA256 != src.ManifestSHA256 {
			return fmt.Errorf("%w: the feed in %s was released from %s (prepared manifest sha256 %.12s), not %s (%.12s)",
				ErrConflict, layout.ETLManifest(layout.Day(m.Day)), m.Dataset, m.Source.ManifestSHA256, src.Dataset, src.ManifestSHA256)
		}
	}
	return nil
}

func (r *Releaser) refreshStatus(ctx context.Context, src FeedSource) error {
	_, err := RefreshStatus(ctx, r.Bucket, &src)
	return err
}

func ref(key string, data []byte) ObjectRef {
	sum := sha256.Sum256(data)
	return ObjectRef{Key: key, SHA256: hex.EncodeToString(sum[:]), Bytes: int64(len(data))}
}
