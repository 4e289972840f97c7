package abtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/ratings"
)

// ErrNoSuccessField: a quality report without its "success" verdict.
var ErrNoSuccessField = errors.New(`quality report has no boolean "success"`)

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

// readRatings reads a ratings CSV strictly: a malformed row is an error naming the key
// and line (etl-day keeps malformed rows apart in rejected.csv, so a batch has none).
func readRatings(ctx context.Context, b blob.Bucket, key string) ([]ratings.Rating, Input, error) {
	data, in, err := readInput(ctx, b, key)
	if err != nil {
		return nil, Input{}, err
	}
	rows, err := ratings.ReadAll(bytes.NewReader(data), key)
	if err != nil {
		return nil, Input{}, fmt.Errorf("parse %s: %w", key, err)
	}
	return rows, in, nil
}

// readQuality reads quality/day=NN/report.json. It needs the boolean "success"; the
// number of checks passed comes from "statistics" {"evaluated", "successful"} when the
// report has them, else from a "results" (or "checks") list whose entries carry a
// boolean "success" (or "passed").
func readQuality(ctx context.Context, b blob.Bucket, d int) (QualityRef, Input, error) {
	key := QualityReportKey(d)
	data, in, err := readInput(ctx, b, key)
	if err != nil {
		return QualityRef{}, Input{}, err
	}
	var doc struct {
		Success    *bool `json:"success"`
		Statistics *struct {
			Evaluated  *int `json:"evaluated"`
			Successful *int `json:"successful"`
		} `json:"statistics"`
		Results []map[string]any `json:"results"`
		Checks  []map[string]any `json:"checks"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return QualityRef{}, Input{}, fmt.Errorf("decode %s: %w", key, err)
	}
	if doc.Success == nil {
		return QualityRef{}, Input{}, fmt.Errorf("%s: %w", key, ErrNoSuccessField)
	}
	q := QualityRef{Key: key, Success: *doc.Success}
	if st := doc.Statistics; st != nil && st.Evaluated != nil && st.Successful != nil {
		q.ChecksPassed, q.ChecksTotal = st.Successful, st.Evaluated
		return q, in, nil
	}
	passed, total := 0, 0
	for _, c := range append(doc.Results, doc.Checks...) {
		for _, f := range []string{"success", "passed"} {
			if v, ok := c[f].(bool); ok {
				total++
				if v {
					passed++
				}
				break
			}
		}
	}
	if total > 0 {
		q.ChecksPassed, q.ChecksTotal = &passed, &total
	}
	return q, in, nil
}

// releasedDays lists the days whose etl marker (etl/day=NN/_manifest.json) exists.
func releasedDays(ctx context.Context, b blob.Bucket) ([]int, error) {
	objs, err := b.List(ctx, "etl/day=")
	if err != nil {
		return nil, fmt.Errorf("list etl/day=: %w", err)
	}
	var days []int
	for _, o := range objs {
		var d int
		if _, err := fmt.Sscanf(o.Key, "etl/day=%02d/", &d); err != nil {
			continue
		}
		if o.Key == layout.ETLManifest(layout.Day(d)) {
			days = append(days, d)
		}
	}
	return days, nil
}

// DayFromKey returns N of a key under prefix/day=NN/ ending in name, or 0.
func DayFromKey(key, prefix, name string) int {
	var d int
	if _, err := fmt.Sscanf(key, prefix+"day=%02d/", &d); err != nil || d < 1 || d > etl.Days {
		return 0
	}
	if key != fmt.Sprintf("%sday=%02d/%s", prefix, d, name) {
		return 0
	}
	return d
}
