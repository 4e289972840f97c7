package abtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/quality"
)

func inputOf(key string, data []byte) Input {
	sum := sha256.Sum256(data)
	return Input{Key: key, SHA256: hex.EncodeToString(sum[:]), Bytes: len(data)}
}

// readInput reads key and returns its bytes with their checksum.
func readInput(ctx context.Context, b blob.Bucket, key string) ([]byte, Input, error) {
	data, err := blob.ReadAll(ctx, b, key) // its errors name the key
	if err != nil {
		return nil, Input{}, err
	}
	return data, inputOf(key, data), nil
}

// readSized reads a large object into a buffer allocated once at the size its Stat
// gives (io.ReadAll would grow and copy it step by step, and leave the steps behind
// as garbage).
func readSized(ctx context.Context, b blob.Bucket, key string) ([]byte, error) {
	a, err := b.Stat(ctx, key)
	if err != nil {
		return nil, err
	}
	rc, err := b.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	// bytes.Buffer reads while MinRead bytes are free: room for them, so that an
	// object of the size Stat gave is read without growing.
	buf := bytes.NewBuffer(make([]byte, 0, max(a.Size, 0)+bytes.MinRead))
	if _, err := buf.ReadFrom(rc); err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	return buf.Bytes(), nil
}

// readRatings reads a ratings CSV strictly: a malformed row is an error naming the key
// and line (etl-day keeps malformed rows apart in rejected.csv, so a batch has none).
func readRatings(ctx context.Context, b blob.Bucket, key string) ([]ratings.Rating, Input, error) {
	data, err := readSized(ctx, b, key)
	if err != nil {
		return nil, Input{}, err
	}
	// The checksum on another core while the rows are parsed.
	sum := make(chan Input, 1)
	go func() { sum <- inputOf(key, data) }()
	rows, err := ratings.ParseAll(data, key)
	in := <-sum
	if err != nil {
		return nil, Input{}, fmt.Errorf("parse %s: %w", key, err)
	}
	return rows, in, nil
}

// readQuality reads day d's quality report with quality's own decoder, and returns
// the verdict and the checks counted in the report's statistics.
func readQuality(ctx context.Context, b blob.Bucket, d int) (QualityRef, Input, error) {
	key := layout.QualityReport(layout.Day(d))
	data, in, err := readInput(ctx, b, key)
	if err != nil {
		return QualityRef{}, Input{}, err
	}
	rep, err := quality.DecodeReport(key, data)
	if err != nil {
		return QualityRef{}, Input{}, err
	}
	passed, total := rep.Statistics.Successful, rep.Statistics.Evaluated
	return QualityRef{Key: key, Success: rep.Success, ChecksPassed: &passed, ChecksTotal: &total}, in, nil
}

// releasedDays lists the days whose etl marker (etl/day=NN/_manifest.json) exists.
func releasedDays(ctx context.Context, b blob.Bucket) ([]int, error) {
	days, err := layout.ReleasedDays(ctx, b)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(days))
	for i, d := range days {
		out[i] = int(d)
	}
	return out, nil
}
