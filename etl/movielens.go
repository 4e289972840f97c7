package etl

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/recpipe/recpipe/internal/ratings"
)

// Item is one entry of the item catalogue (items.csv).
type Item struct {
	ID     int32
	Title  string
	Genres string
}

// mlRelease is a parsed MovieLens release.
type mlRelease struct {
	rows   []ratings.Rating
	items  []Item // sorted by ID
	format string // "csv" or "dat"
	files  []string
}

// readRelease finds the ratings and movies files of a release (CSV with a header, or
// the "::"-separated .dat files of ml-1m and ml-10m) anywhere in fsys and parses both
// strictly: the first bad line is an error naming file and line.
func readRelease(fsys fs.FS, label string) (*mlRelease, error) {
	format, ratingsPath, moviesPath, err := locateRelease(fsys, label)
	if err != nil {
		return nil, err
	}
	rel := &mlRelease{format: format, files: []string{ratingsPath, moviesPath}}
	if rel.rows, err = readFSFile(fsys, label, ratingsPath, format, parseRatings); err != nil {
		return nil, err
	}
	if len(rel.rows) == 0 {
		return nil, fmt.Errorf("%w: %s/%s holds no ratings", ErrBadRelease, label, ratingsPath)
	}
	if rel.items, err = readFSFile(fsys, label, moviesPath, format, parseMovies); err != nil {
		return nil, err
	}
	return rel, nil
}

func readFSFile[T any](fsys fs.FS, label, p, format string, parse func(io.Reader, string, string, int64) (T, error)) (T, error) {
	var zero T
	f, err := fsys.Open(p)
	if err != nil {
		return zero, fmt.Errorf("read release %s: %w", label, err)
	}
	defer f.Close()
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	return parse(f, label+"/"+p, format, size)
}

// parseRatings reads a ratings file of the given format ("csv" or "dat").
// sizeHint (bytes) presizes the result. Every row must parse and have a plausible
// timestamp (plausibleTime); a bad last line without a newline is reported as cut
// (ratings.ErrCut). The first bad line is the error, naming file and line.
func parseRatings(r io.Reader, file, format string, sizeHint int64) ([]ratings.Rating, error) {
	rows := make([]ratings.Rating, 0, sizeHint/24+1024) // MovieLens rows average 24.6-27.4 bytes
	parse := parseDatRating
	if format == "csv" {
		parse = ratings.ParseLine
	}
	latest := now().Add(timeSkew).Unix()
	lines := 0
	err := ratings.Lines(r, file, func(n int, line []byte, cut bool) error {
		lines = n
		if format == "csv" && n == 1 {
			return ratings.CheckHeader(line, file)
		}
		if len(line) == 0 {
			return nil
		}
		rec, err := parse(line)
		if err == nil {
			err = plausibleTime(rec.Time, latest)
		}
		if err != nil {
			return ratings.BadLine(file, n, line, cut, err)
		}
		rows = append(rows, rec)
		return nil
	})
	if err == nil && lines == 0 && format == "csv" {
		return nil, &ratings.LineError{File: file, Line: 1, Err: errors.New("empty file: no header")}
	}
	return rows, err
}

// ErrImplausibleTime: a rating's timestamp lies outside the dataset's possible range.
var ErrImplausibleTime = errors.New("timestamp outside the plausible range")

// firstMovieLensTime bounds MovieLens timestamps from below: the earliest rating of
// any release is from January 1995 (ml-25m: 1995-01-09).
var firstMovieLensTime = time.Date(1995, 1, 1, 0, 0, 0, 0, time.UTC).Unix()

// now is the clock that decides what is in the future; timeSkew forgives clocks
// that run a little behind the source's.
var (
	now      = time.Now
	timeSkew = 24 * time.Hour
)

// plausibleTime checks a MovieLens timestamp: not before 1995, not after latest.
func plausibleTime(ts, latest int64) error {
	switch {
	case ts < firstMovieLensTime:
		return fmt.Errorf("%w: %d (%s) is before 1995, the first MovieLens rating", ErrImplausibleTime, ts, unixDate(ts))
	case ts > latest:
		return fmt.Errorf("%w: %d (%s) is in the future", ErrImplausibleTime, ts, unixDate(ts))
	}
	return nil
}

// unixDate writes Unix seconds as an RFC 3339 UTC time, when within years 1 to 9999.
func unixDate(ts int64) string {
	const maxYear9999 = 253402300799
	if ts < -62135596800 || ts > maxYear9999 {
		return "year out of range"
	}
	return time.Unix(ts, 0).UTC().Format(time.RFC3339)
}

// parseDatRating parses UserID::MovieID::Rating::Timestamp, with the same checks
// (and errors) as ratings.ParseLine.
func parseDatRating(line []byte) (ratings.Rating, error) {
	var f [4][]byte
	for i := 0; i < 3; i++ {
		j := bytes.Index(line, []byte("::"))
		if j < 0 {
			return ratings.Rating{}, fmt.Errorf("%w: want 4 '::'-separated fields", ratings.ErrFieldCount)
		}
		f[i], line = line[:j], line[j+2:]
	}
	if bytes.Contains(line, []byte("::")) {
		return ratings.Rating{}, fmt.Errorf("%w: want 4 '::'-separated fields", ratings.ErrFieldCount)
	}
	return ratings.ParseFields(f[0], f[1], f[2], line)
}

var errMovie = errors.New("bad movie line")

// parseMovies reads movies.csv (movieId,title,genres, RFC 4180 quoting) or movies.dat
// (MovieID::Title::Genres, Latin-1 in ml-1m: converted to UTF-8). The result is sorted
// by ID; a repeated ID is an error.
func parseMovies(r io.Reader, file, format string, _ int64) ([]Item, error) {
	var items []Item
	add := func(line int, raw, id, title, genres string) error {
		n, err := strconv.ParseInt(id, 10, 32)
		if err != nil || n <= 0 {
			return &ratings.LineError{File: file, Line: line, Raw: raw, Err: fmt.Errorf("%w: movieId %q", errMovie, id)}
		}
		items = append(items, Item{ID: int32(n), Title: toUTF8(title), Genres: toUTF8(genres)})
		return nil
	}
	if format == "csv" {
		cr := csv.NewReader(r)
		cr.FieldsPerRecord = 3
		cr.ReuseRecord = true
		for first := true; ; first = false {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					return nil, &ratings.LineError{File: file, Line: pe.Line, Err: fmt.Errorf("%w: %v", errMovie, pe.Err)}
				}
				return nil, fmt.Errorf("read %s: %w", file, err)
			}
			line, _ := cr.FieldPos(0)
			if first {
				if strings.Join(rec, ",") != ItemsHeader {
					return nil, &ratings.LineError{File: file, Line: line, Raw: strings.Join(rec, ","), Err: fmt.Errorf("want header %q", ItemsHeader)}
				}
				continue
			}
			if err := add(line, strings.Join(rec, ","), rec[0], rec[1], rec[2]); err != nil {
				return nil, err
			}
		}
	} else {
		sc := bufio.NewScanner(r)
		for lineNo := 1; sc.Scan(); lineNo++ {
			line := sc.Text() // ScanLines has removed "\n" or "\r\n"; a stray "\r" left is data, not a blank line
			if line == "" {
				continue
			}
			i, j := strings.Index(line, "::"), strings.LastIndex(line, "::")
			if i < 0 || i == j {
				return nil, &ratings.LineError{File: file, Line: lineNo, Raw: line, Err: fmt.Errorf("%w: want MovieID::Title::Genres", errMovie)}
			}
			if err := add(lineNo, line, line[:i], line[i+2:j], line[j+2:]); err != nil {
				return nil, err
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("read %s: %w", file, err)
		}
	}
	sort.SliceStable(items, func(a, b int) bool { return items[a].ID < items[b].ID })
	for k := 1; k < len(items); k++ {
		if items[k].ID == items[k-1].ID {
			return nil, fmt.Errorf("%w: %s: movieId %d appears twice", ErrBadRelease, file, items[k].ID)
		}
	}
	return items, nil
}

// toUTF8 returns s unchanged when it is valid UTF-8 and reads it as Latin-1 otherwise
// (ml-1m's movies.dat).
func toUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return b.String()
}

// encodeItems writes the catalogue as items.csv with RFC 4180 quoting.
func encodeItems(w io.Writer, items []Item) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(strings.Split(ItemsHeader, ",")); err != nil {
		return err
	}
	rec := make([]string, 3)
	for _, it := range items {
		rec[0], rec[1], rec[2] = strconv.Itoa(int(it.ID)), it.Title, it.Genres
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
