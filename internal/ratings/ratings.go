package ratings

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// Header is the first line of every ratings CSV.
const Header = "userId,movieId,rating,timestamp"

// Rating is one user's rating of one item at one time.
type Rating struct {
	User   int32   // MovieLens userId, > 0
	Item   int32   // MovieLens movieId, > 0
	Rating float32 // 0.5 .. 5.0 in half steps
	Time   int64   // Unix seconds
}

// Errors that name why a row is bad; ParseLine wraps one of them.
var (
	ErrFieldCount = errors.New("wrong field count")
	ErrUser       = errors.New("bad userId")
	ErrItem       = errors.New("bad movieId")
	ErrRating     = errors.New("rating off the 0.5-5.0 half-step scale")
	ErrRatingNaN  = errors.New("rating is not a number")
	ErrTimestamp  = errors.New("timestamp is not an integer")
	// ErrCut: the bad line is the file's last and has no newline, as when a copy
	// stopped in the middle of a record. Lines reports such a line; readers wrap it
	// around the line's own error.
	ErrCut = errors.New("last record cut short (the file ends inside it, without a newline: a truncated copy?)")
)

// ValidRating reports whether v is on the MovieLens scale: 0.5 to 5.0 in steps of 0.5.
func ValidRating(v float64) bool {
	return v >= 0.5 && v <= 5.0 && math.Abs(v*2-math.Round(v*2)) < 1e-9
}

// ParseLine parses one CSV data line (no trailing newline).
func ParseLine(line []byte) (Rating, error) {
	if r, ok := parseCommon(line); ok {
		return r, nil
	}
	return parseLine(line)
}

// parseCommon parses the common form of a line in one pass: ids of 1 to 9 digits,
// a rating "D", "D.0" or "D.5" on the scale, a timestamp of 1 to 18 digits. It says
// ok only where parseLine gives the same rating without error; anything else
// (signs, leading "+", other decimals, bad values) is left to parseLine
// (TestParseCommonAgrees).
func parseCommon(line []byte) (Rating, bool) {
	var v [4]int64
	var frac [4]int // digits after a '.' (the rating's)
	f, digits := 0, 0
	dot := false
	for _, c := range line {
		switch {
		case c >= '0' && c <= '9':
			if dot {
				if frac[f]++; frac[f] > 1 {
					return Rating{}, false
				}
				if c == '5' {
					v[f] = v[f]*10 + 5
				} else if c != '0' {
					return Rating{}, false
				} else {
					v[f] *= 10
				}
				continue
			}
			digits++
			if digits > 18 {
				return Rating{}, false
			}
			v[f] = v[f]*10 + int64(c-'0')
		case c == ',':
			if digits == 0 || (dot && frac[f] == 0) || f == 3 {
				return Rating{}, false
			}
			f, digits, dot = f+1, 0, false
		case c == '.' && f == 2 && !dot && digits > 0:
			dot = true
		default:
			return Rating{}, false
		}
	}
	if f != 3 || digits == 0 || dot {
		return Rating{}, false
	}
	const maxID = 999_999_999
	if v[0] <= 0 || v[0] > maxID || v[1] <= 0 || v[1] > maxID {
		return Rating{}, false
	}
	// v[2] is the rating in tenths when it had a decimal (".0" or ".5"), else whole.
	r := float64(v[2])
	if frac[2] == 1 {
		r = float64(v[2]/10) + float64(v[2]%10)/10
	}
	if !ValidRating(r) {
		return Rating{}, false
	}
	return Rating{User: int32(v[0]), Item: int32(v[1]), Rating: float32(r), Time: v[3]}, true
}

// parseLine is ParseLine's full parser.
func parseLine(line []byte) (Rating, error) {
	var f [4][]byte
	n := 0
	for n < 4 {
		i := bytes.IndexByte(line, ',')
		if i < 0 {
			f[n] = line
			n++
			line = nil
			break
		}
		f[n] = line[:i]
		line = line[i+1:]
		n++
	}
	if n != 4 || line != nil {
		return Rating{}, fmt.Errorf("%w: want 4 fields", ErrFieldCount)
	}
	return ParseFields(f[0], f[1], f[2], f[3])
}

// ParseFields parses the four fields of a rating, whatever separated them: user and
// item ids > 0, a rating on the half-step scale, an integer timestamp.
func ParseFields(user, item, rating, timestamp []byte) (Rating, error) {
	u, err := strconv.ParseInt(string(user), 10, 32)
	if err != nil || u <= 0 {
		return Rating{}, fmt.Errorf("%w: %q", ErrUser, user)
	}
	it, err := strconv.ParseInt(string(item), 10, 32)
	if err != nil || it <= 0 {
		return Rating{}, fmt.Errorf("%w: %q", ErrItem, item)
	}
	r, err := strconv.ParseFloat(string(rating), 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange), math.IsNaN(r), math.IsInf(r, 0) && err == nil:
		return Rating{}, fmt.Errorf("%w: %q", ErrRatingNaN, rating)
	case !ValidRating(r):
		return Rating{}, fmt.Errorf("%w: %q", ErrRating, rating)
	}
	ts, err := strconv.ParseInt(string(timestamp), 10, 64)
	if err != nil {
		return Rating{}, fmt.Errorf("%w: %q", ErrTimestamp, timestamp)
	}
	return Rating{User: int32(u), Item: int32(it), Rating: float32(r), Time: ts}, nil
}

// AppendCSV appends r as one CSV line with its newline.
func AppendCSV(dst []byte, r Rating) []byte {
	dst = strconv.AppendInt(dst, int64(r.User), 10)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, int64(r.Item), 10)
	dst = append(dst, ',')
	dst = strconv.AppendFloat(dst, float64(r.Rating), 'f', 1, 32)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, r.Time, 10)
	return append(dst, '\n')
}

// Encode returns rows as a CSV document with the header.
func Encode(rows []Rating) []byte {
	buf := make([]byte, 0, len(Header)+1+len(rows)*24)
	buf = append(buf, Header...)
	buf = append(buf, '\n')
	for _, r := range rows {
		buf = AppendCSV(buf, r)
	}
	return buf
}

// Write streams rows as a CSV document with the header.
func Write(w io.Writer, rows []Rating) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(Header + "\n")
	var line []byte
	for _, r := range rows {
		line = AppendCSV(line[:0], r)
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// LineError is a bad row: the file, the 1-based line number, the raw text, and why.
type LineError struct {
	File string
	Line int
	Raw  string
	Err  error
}

func (e *LineError) Error() string {
	return fmt.Sprintf("%s:%d: %v (line %q)", e.File, e.Line, e.Err, e.Raw)
}
func (e *LineError) Unwrap() error { return e.Err }

// Lines calls fn for every line of r, without its line ending ("\n" or "\r\n"), with
// its 1-based number and whether it is cut: the last line of a file that does not
// end with a newline. fn's error stops the reading and is returned.
//
// Exactly one line ending is removed (bufio.ScanLines drops the "\r" of "\r\n", and
// of a last line's trailing "\r"): a stray "\r" left in the text is data, so a line
// "\r\r\n" is the one-byte line "\r", not a blank line. Callers skip only truly empty
// lines, and every other line reaches them to be parsed or rejected with a reason;
// trimming a second "\r" here made such a line vanish unreported (FuzzScan's
// testdata/fuzz/FuzzScan/5dcbc2f8b7e7eb2c).
func Lines(r io.Reader, file string, fn func(n int, line []byte, cut bool) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	cut := false
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		adv, tok, err := bufio.ScanLines(data, atEOF)
		if atEOF && tok != nil && adv == len(data) && bytes.IndexByte(data, '\n') < 0 {
			cut = true
		}
		return adv, tok, err
	})
	for n := 1; sc.Scan(); n++ {
		if err := fn(n, sc.Bytes(), cut); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", file, err)
	}
	return nil
}

// CheckHeader reports whether line, line 1 of file, is the ratings CSV header.
func CheckHeader(line []byte, file string) error {
	if string(line) != Header {
		return &LineError{File: file, Line: 1, Raw: string(line), Err: fmt.Errorf("want header %q", Header)}
	}
	return nil
}

// BadLine is the error of line n of file: err, wrapped in ErrCut when the line is cut.
func BadLine(file string, n int, line []byte, cut bool, err error) *LineError {
	if cut {
		err = fmt.Errorf("%w: %w", ErrCut, err)
	}
	return &LineError{File: file, Line: n, Raw: string(line), Err: err}
}

// Scan reads a ratings CSV with its header and calls fn for every data row.
// A bad row is passed to fn as a *LineError with a zero Rating (wrapping ErrCut when
// it is a last line cut short); fn decides whether to stop (return the error) or keep
// going (return nil). A missing or wrong header is an error naming the file.
func Scan(r io.Reader, file string, fn func(rec Rating, bad *LineError) error) error {
	seen := false
	err := Lines(r, file, func(n int, line []byte, cut bool) error {
		seen = true
		if n == 1 {
			return CheckHeader(line, file)
		}
		if len(line) == 0 {
			return nil
		}
		rec, err := ParseLine(line)
		if err != nil {
			return fn(Rating{}, BadLine(file, n, line, cut, err))
		}
		return fn(rec, nil)
	})
	if err == nil && !seen {
		return &LineError{File: file, Line: 1, Err: errors.New("empty file: no header")}
	}
	return err
}

// ReadAll parses a whole ratings CSV strictly: the first bad row is the error.
func ReadAll(r io.Reader, file string) ([]Rating, error) {
	return readAll(r, file, nil)
}

// ParseAll is ReadAll of a document in memory, its result allocated once (at the
// number of lines). A document of at least parallelMin bytes is parsed in two halves
// at once, cut after a newline, with the same rows and the same first error
// (TestParseAllHalvesEqualsReadAll).
func ParseAll(data []byte, file string) ([]Rating, error) {
	n := bytes.Count(data, []byte{'\n'})
	mid := -1
	if len(data) >= parallelMin {
		mid = bytes.IndexByte(data[len(data)/2:], '\n')
	}
	if mid < 0 {
		if rows, ok := goodRows(data, true, make([]Rating, 0, n+1)); ok {
			return nilIfEmpty(rows), nil
		}
		return readAll(bytes.NewReader(data), file, make([]Rating, 0, n))
	}
	mid += len(data)/2 + 1
	head, tail := data[:mid], data[mid:]
	nh := bytes.Count(head, []byte{'\n'}) // head's lines; tail's first is line nh+1
	out := make([]Rating, 0, n+1)
	var tailRows []Rating
	var tailErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ok bool
		if tailRows, ok = goodRows(tail, false, out[nh:nh:n+1]); !ok {
			tailRows, tailErr = parseLines(tail, file, nh, out[nh:nh:n+1])
		}
	}()
	headRows, ok := goodRows(head, true, out[:0:nh])
	var err error
	if !ok {
		headRows, err = readAll(bytes.NewReader(head), file, out[:0:nh])
	}
	<-done
	if err != nil {
		return headRows, err // the first error is the head's
	}
	// The head's rows (fewer than its lines: the header) then the tail's, moved down.
	k := len(headRows)
	rows := out[:k+len(tailRows)]
	copy(rows[k:], tailRows)
	return nilIfEmpty(rows), tailErr
}

// nilIfEmpty is rows, nil when empty (as ReadAll's, which never allocated).
func nilIfEmpty(rows []Rating) []Rating {
	if len(rows) == 0 {
		return nil
	}
	return rows
}

// goodRows is the fast path of ParseAll: the rows of data (its first line the header
// when header is set) appended to out, one line ending ("\n" or "\r\n") cut from each
// line as Lines cuts it, blank lines skipped, ok only when every line is one that
// parseCommon takes (so ParseLine gives the same row) and the header is there. Anything
// else is left to the full path, which says what is wrong and where.
func goodRows(data []byte, header bool, out []Rating) ([]Rating, bool) {
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		switch {
		case header:
			if string(line) != Header {
				return nil, false
			}
			header = false
		case len(line) > 0:
			r, ok := parseCommon(line)
			if !ok {
				return nil, false
			}
			out = append(out, r)
		}
	}
	return out, !header
}

// parallelMin is the size from which ParseAll parses a document's two halves at once.
var parallelMin = 4 << 20

// parseLines appends to out the data rows of data, lines without a header whose first
// is line first+1 of file; the first bad row is the error.
func parseLines(data []byte, file string, first int, out []Rating) ([]Rating, error) {
	err := Lines(bytes.NewReader(data), file, func(n int, line []byte, cut bool) error {
		if len(line) == 0 {
			return nil
		}
		rec, err := ParseLine(line)
		if err != nil {
			return BadLine(file, first+n, line, cut, err)
		}
		out = append(out, rec)
		return nil
	})
	return out, err
}

func readAll(r io.Reader, file string, out []Rating) ([]Rating, error) {
	err := Scan(r, file, func(rec Rating, bad *LineError) error {
		if bad != nil {
			return bad
		}
		out = append(out, rec)
		return nil
	})
	if len(out) == 0 {
		out = nil // as ReadAll's, which never allocated
	}
	return out, err
}
