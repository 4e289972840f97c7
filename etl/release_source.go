package etl

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
)

// ErrNoPrepared: the prepared dataset the feed is released from is not in the bucket.
var ErrNoPrepared = errors.New("prepared dataset not found")

// FeedSource is a prepared dataset as the daily feed sees it: its manifest, and the
// sha256 of the manifest's bytes, which identifies the prepared data in every day
// manifest and quality report derived from it.
type FeedSource struct {
	*Prepared
	ManifestKey    string
	ManifestSHA256 string
}

// LoadFeedSource reads prepared/<dataset>/_manifest.json and checks that the test
// object it describes is there with the size it declares (a cheap Stat, not a read).
// A missing dataset is an error wrapping ErrNoPrepared that names the key.
func LoadFeedSource(ctx context.Context, b blob.Bucket, dataset string) (FeedSource, error) {
	key := layout.PreparedManifest(dataset)
	data, err := blob.ReadAll(ctx, b, key)
	if errors.Is(err, blob.ErrNotFound) {
		return FeedSource{}, fmt.Errorf("%w: %s is missing (run prepare --dataset %s first)", ErrNoPrepared, key, dataset)
	}
	if err != nil {
		return FeedSource{}, err
	}
	p := &Prepared{}
	if err := json.Unmarshal(data, p); err != nil {
		return FeedSource{}, fmt.Errorf("decode %s: %w", key, err)
	}
	if p.Schema != PreparedManifest {
		return FeedSource{}, fmt.Errorf("%s: schema %q, want %q", key, p.Schema, PreparedManifest)
	}
	sum := sha256.Sum256(data)
	src := FeedSource{Prepared: p, ManifestKey: key, ManifestSHA256: hex.EncodeToString(sum[:])}
	if len(p.TestDayOffsets) != Days+1 {
		return FeedSource{}, fmt.Errorf("%s: test_day_offsets has %d entries, want %d", key, len(p.TestDayOffsets), Days+1)
	}
	for i := 1; i < len(p.TestDayOffsets); i++ {
		if p.TestDayOffsets[i] < p.TestDayOffsets[i-1] {
			return FeedSource{}, fmt.Errorf("%s: test_day_offsets decrease at %d", key, i)
		}
	}
	a, err := b.Stat(ctx, src.TestKey())
	if errors.Is(err, blob.ErrNotFound) {
		return FeedSource{}, fmt.Errorf("%w: %s is missing (its manifest %s exists)", ErrNoPrepared, src.TestKey(), key)
	}
	if err != nil {
		return FeedSource{}, err
	}
	if last := p.TestDayOffsets[Days]; last != a.Size {
		return FeedSource{}, fmt.Errorf("%s is %d bytes but its manifest %s says the last day ends at byte %d: the object changed after prepare",
			src.TestKey(), a.Size, key, last)
	}
	return src, nil
}

// TestKey is prepared/<ds>/test.csv.
func (s FeedSource) TestKey() string { return layout.Prepared(s.Dataset, layout.TestName) }

// TrainKey is prepared/<ds>/train.csv.
func (s FeedSource) TrainKey() string { return layout.Prepared(s.Dataset, layout.TrainName) }

// ItemsKey is prepared/<ds>/items.csv.
func (s FeedSource) ItemsKey() string { return layout.Prepared(s.Dataset, ItemsName) }

// TestRows is the number of rows of the test split.
func (s FeedSource) TestRows() int { return s.Splits.Test.Rows }

// TestPeriod is the time range of the test split.
func (s FeedSource) TestPeriod() TimeRange {
	return TimeRange{Min: s.Splits.Test.MinTime, Max: s.Splits.Test.MaxTime}
}

// DaySpan returns day d's rows [lo, hi) and bytes [off, off+n) in the test object.
func (s FeedSource) DaySpan(d int) (lo, hi int, off, n int64) {
	lo, hi = DayBounds(d, s.TestRows())
	return lo, hi, s.TestDayOffsets[d-1], s.TestDayOffsets[d] - s.TestDayOffsets[d-1]
}
