package etl

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/recpipe/recpipe/internal/ratings"
)

// RejectedHeader is the first line of etl/day=NN/rejected.csv: the line number in the
// test object, the reason, and the raw text of the row.
const RejectedHeader = "line,reason,raw"

// errOutsideTest: a parsed row whose timestamp lies outside the test period.
var errOutsideTest = errors.New("timestamp outside the test period")

// slice is a day's rows split into the released batch and the rejected rows.
type slice struct {
	batch    []byte // batch.csv: header and the accepted rows, canonical encoding
	rejected []byte // rejected.csv
	rows     int
	nreject  int
	lines    int // data lines seen
	reasons  map[string]int
	time     TimeRange
}

// splitDay validates the raw lines of a day. firstLine is the 1-based line number of
// the first line of raw in the test object (the header is line 1). Rows that do not
// parse, or whose timestamp lies outside the declared test period, go to rejected.csv
// with the reason; the rest are re-encoded canonically into batch.csv.
func splitDay(raw []byte, firstLine int, period TimeRange) (*slice, error) {
	s := &slice{reasons: map[string]int{}}
	s.batch = make([]byte, 0, len(raw)+len(ratings.Header)+1)
	s.batch = append(s.batch, ratings.Header...)
	s.batch = append(s.batch, '\n')
	var rej bytes.Buffer
	rej.WriteString(RejectedHeader + "\n")
	cw := csv.NewWriter(&rej)
	lineNo := firstLine - 1
	for len(raw) > 0 {
		i := bytes.IndexByte(raw, '\n')
		if i < 0 {
			return nil, fmt.Errorf("line %d: the day's byte range does not end at a line end", lineNo+1)
		}
		line := bytes.TrimSuffix(raw[:i], []byte("\r"))
		raw = raw[i+1:]
		lineNo++
		s.lines++
		r, err := ratings.ParseLine(line)
		if err == nil && (r.Time < period.Min || r.Time > period.Max) {
			err = fmt.Errorf("%w [%d, %d]: %d", errOutsideTest, period.Min, period.Max, r.Time)
		}
		if err != nil {
			s.nreject++
			s.reasons[reasonOf(err)]++
			cw.Write([]string{strconv.Itoa(lineNo), err.Error(), string(line)})
			continue
		}
		if s.rows == 0 || r.Time < s.time.Min {
			s.time.Min = r.Time
		}
		if s.rows == 0 || r.Time > s.time.Max {
			s.time.Max = r.Time
		}
		s.rows++
		s.batch = ratings.AppendCSV(s.batch, r)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return nil, fmt.Errorf("encode rejected rows: %w", err)
	}
	s.rejected = rej.Bytes()
	return s, nil
}

// reasonOf maps a row error to its category, the key of DayManifest.RejectReasons.
func reasonOf(err error) string {
	for _, e := range []error{ratings.ErrFieldCount, ratings.ErrUser, ratings.ErrItem, ratings.ErrRatingNaN, ratings.ErrRating, ratings.ErrTimestamp, errOutsideTest} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return "other"
}

// formatReasons writes rejection counts for people, most frequent first:
// "2 wrong field count, 1 bad userId".
func formatReasons(reasons map[string]int) string {
	keys := slices.Collect(maps.Keys(reasons))
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(reasons[b], reasons[a]), cmp.Compare(a, b))
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", reasons[k], k)
	}
	return strings.Join(parts, ", ")
}
