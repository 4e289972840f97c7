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
	ErrTimestamp  = errors.New("timestamp is not an integer")
)

// ValidRating reports whether v is on the MovieLens scale: 0.5 to 5.0 in steps of 0.5.
func ValidRating(v float64) bool {
	return v >= 0.5 && v <= 5.0 && math.Abs(v*2-math.Round(v*2)) < 1e-9
}

// ParseLine parses one CSV data line (no trailing newline).
func ParseLine(line []byte) (Rating, error) {
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
	u, err := strconv.ParseInt(string(f[0]), 10, 32)
	if err != nil || u <= 0 {
		return Rating{}, fmt.Errorf("%w: %q", ErrUser, f[0])
	}
	it, err := strconv.ParseInt(string(f[1]), 10, 32)
	if err != nil || it <= 0 {
		return Rating{}, fmt.Errorf("%w: %q", ErrItem, f[1])
	}
	r, err := strconv.ParseFloat(string(f[2]), 64)
	if err != nil || !ValidRating(r) {
		return Rating{}, fmt.Errorf("%w: %q", ErrRating, f[2])
	}
	ts, err := strconv.ParseInt(string(f[3]), 10, 64)
	if err != nil {
		return Rating{}, fmt.Errorf("%w: %q", ErrTimestamp, f[3])
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

// Scan reads a ratings CSV with its header and calls fn for every data row.
// A bad row is passed to fn as a *LineError with a zero Rating; fn decides whether
// to stop (return the error) or keep going (return nil). A missing or wrong header
// is an error naming the file.
func Scan(r io.Reader, file string, fn func(rec Rating, bad *LineError) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := bytes.TrimSuffix(sc.Bytes(), []byte("\r"))
		if lineNo == 1 {
			if string(line) != Header {
				return &LineError{File: file, Line: 1, Raw: string(line), Err: fmt.Errorf("want header %q", Header)}
			}
			continue
		}
		if len(line) == 0 {
			continue
		}
		rec, err := ParseLine(line)
		if err != nil {
			if ferr := fn(Rating{}, &LineError{File: file, Line: lineNo, Raw: string(line), Err: err}); ferr != nil {
				return ferr
			}
			continue
		}
		if err := fn(rec, nil); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", file, err)
	}
	if lineNo == 0 {
		return &LineError{File: file, Line: 1, Err: errors.New("empty file: no header")}
	}
	return nil
}

// ReadAll parses a whole ratings CSV strictly: the first bad row is the error.
func ReadAll(r io.Reader, file string) ([]Rating, error) {
	var out []Rating
	err := Scan(r, file, func(rec Rating, bad *LineError) error {
		if bad != nil {
			return bad
		}
		out = append(out, rec)
		return nil
	})
	return out, err
}
