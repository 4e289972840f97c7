package quality

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/ratings"
)

// maxExamples is how many offending line numbers a result lists.
const maxExamples = 5

// tally counts offending rows and keeps the first few line numbers.
type tally struct {
	n     int
	lines []int
}

func (t *tally) add(line int) {
	t.n++
	if len(t.lines) < maxExamples {
		t.lines = append(t.lines, line)
	}
}

// row is a batch row whose ids and timestamp parsed; Rating is 0 when it did not.
type row struct {
	ratings.Rating
	line int
}

// batch is a day's batch.csv read tolerantly: every line is looked at, and every
// problem is counted against the check it fails, instead of stopping at the first.
type batch struct {
	lines          int      // data lines
	missingColumns []string // required columns absent from the header
	incomplete     tally    // a required field missing or empty, or a wrong field count
	complete       int
	badIDs         tally
	badRating      tally
	badTime        tally // not an integer, or outside the declared range
	rows           []row // complete rows with valid ids and an integer timestamp
}

var required = strings.Split(ratings.Header, ",")

// readBatch parses batch.csv; declared is the time range its manifest declares.
func readBatch(data []byte, declared etl.TimeRange) *batch {
	b := &batch{}
	head, rest, _ := bytes.Cut(data, []byte("\n"))
	cols := strings.Split(strings.TrimSuffix(string(head), "\r"), ",")
	idx := make([]int, len(required))
	for i, name := range required {
		idx[i] = -1
		for j, c := range cols {
			if strings.TrimSpace(c) == name {
				idx[i] = j
			}
		}
		if idx[i] < 0 {
			b.missingColumns = append(b.missingColumns, name)
		}
	}
	b.rows = make([]row, 0, bytes.Count(rest, []byte("\n")))
	var f [][]byte
	for line := 2; len(rest) > 0; line++ {
		var text []byte
		text, rest, _ = bytes.Cut(rest, []byte("\n"))
		text = bytes.TrimSuffix(text, []byte("\r"))
		if len(text) == 0 && len(rest) == 0 {
			break
		}
		b.lines++
		f = splitComma(f[:0], text)
		var v [4][]byte
		ok := len(f) == len(cols)
		for i, j := range idx {
			if j < 0 || j >= len(f) || len(f[j]) == 0 {
				ok = false
				continue
			}
			v[i] = f[j]
		}
		if !ok {
			b.incomplete.add(line)
			continue
		}
		b.complete++
		u, eu := strconv.ParseInt(string(v[0]), 10, 32)
		it, ei := strconv.ParseInt(string(v[1]), 10, 32)
		idsOK := eu == nil && ei == nil && u > 0 && it > 0
		if !idsOK {
			b.badIDs.add(line)
		}
		r, er := strconv.ParseFloat(string(v[2]), 64)
		ratingOK := er == nil && ratings.ValidRating(r)
		if !ratingOK {
			b.badRating.add(line)
		}
		ts, et := strconv.ParseInt(string(v[3]), 10, 64)
		if et != nil || ts < declared.Min || ts > declared.Max {
			b.badTime.add(line)
		}
		if idsOK && et == nil {
			rec := row{Rating: ratings.Rating{User: int32(u), Item: int32(it), Time: ts}, line: line}
			if ratingOK {
				rec.Rating.Rating = float32(r)
			}
			b.rows = append(b.rows, rec)
		}
	}
	return b
}

func splitComma(dst [][]byte, s []byte) [][]byte {
	for {
		i := bytes.IndexByte(s, ',')
		if i < 0 {
			return append(dst, s)
		}
		dst = append(dst, s[:i])
		s = s[i+1:]
	}
}
