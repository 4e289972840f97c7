package ratings

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzParseLine: ParseLine never panics; a row it accepts has ids > 0 and a rating on
// the scale, and its canonical encoding parses back to the same row; a row it refuses
// gets one of the package's reasons. Seeds: testdata/fuzz/FuzzParseLine.
func FuzzParseLine(f *testing.F) {
	for _, s := range []string{"1,31,2.5,1260759144", "7,1,5,0", "x,31,2.5,1", "1,3,NaN,1", "1,3,four,1", "1,3,1e999,1", "1,2,3", "606,98243,3,136"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		r, err := ParseLine(line)
		if err != nil {
			if !isReason(err) {
				t.Fatalf("ParseLine(%q): %v is none of the package's reasons", line, err)
			}
			return
		}
		if r.User <= 0 || r.Item <= 0 || !ValidRating(float64(r.Rating)) {
			t.Fatalf("ParseLine(%q) accepted %+v", line, r)
		}
		enc := AppendCSV(nil, r)
		again, err := ParseLine(bytes.TrimSuffix(enc, []byte("\n")))
		if err != nil || again != r {
			t.Fatalf("ParseLine(%q) = %+v; its encoding %q parses to %+v, %v", line, r, enc, again, err)
		}
	})
}

// FuzzParseCommon: where ParseLine's one-pass parser (parseCommon) takes a line, the
// full parser accepts it too and gives the same rating. Seeds:
// testdata/fuzz/FuzzParseCommon.
func FuzzParseCommon(f *testing.F) {
	for _, s := range []string{"1,31,2.5,1260759144", "999999999,1,5.0,999999999999999999", "1000000000,1,3,1", "1,2,05,0", "1,2,3.,4", "1,2,.5,4", "01,02,0.5,00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		got, ok := parseCommon(line)
		if !ok {
			return
		}
		want, err := parseLine(line)
		if err != nil || got != want {
			t.Fatalf("%q: one pass %+v, full parser %+v, %v", line, got, want, err)
		}
	})
}

// FuzzScan: Scan never panics; every non-empty data line comes out once, as a row or
// as a bad line naming its number, and only the last line of a document without a
// final newline can be cut. Seeds: testdata/fuzz/FuzzScan.
func FuzzScan(f *testing.F) {
	f.Add([]byte(Header + "\n1,31,2.5,1260759144\n2,10,4,835355493\n"))
	f.Add([]byte(Header + "\r\n1,31,2.5,1260759144\r\n\r\nx,1,1,1\r\n"))
	f.Add([]byte(Header + "\n1,2,3.0,1000000000\n606,98243,3,136"))
	f.Add([]byte("user,item\n1,2\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, doc []byte) {
		lines := strings.Split(string(doc), "\n")
		if strings.HasSuffix(string(doc), "\n") {
			lines = lines[:len(lines)-1]
		}
		seen := 0
		err := Scan(bytes.NewReader(doc), "doc.csv", func(rec Rating, bad *LineError) error {
			seen++
			if bad != nil {
				if bad.Line < 2 || bad.Line > len(lines) || bad.File != "doc.csv" {
					t.Fatalf("bad line %d of %d: %v", bad.Line, len(lines), bad)
				}
				if errors.Is(bad, ErrCut) && (bad.Line != len(lines) || bytes.HasSuffix(doc, []byte("\n"))) {
					t.Fatalf("line %d of %d called cut in %q", bad.Line, len(lines), doc)
				}
			}
			return nil
		})
		if err != nil {
			return // a bad header, an empty document or a line over 1 MiB
		}
		want := 0
		for _, l := range lines[1:] {
			if strings.TrimSuffix(l, "\r") != "" {
				want++
			}
		}
		if seen != want {
			t.Fatalf("Scan(%q) called back %d times for %d data lines", doc, seen, want)
		}
	})
}

func isReason(err error) bool {
	for _, e := range []error{ErrFieldCount, ErrUser, ErrItem, ErrRating, ErrRatingNaN, ErrTimestamp} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
