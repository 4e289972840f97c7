package etl

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/ratings"
)

// FuzzParseDatRating: the '::' parser of ml-1m and ml-10m rows agrees with the CSV
// parser on the same fields (when no field holds a comma) and never panics.
// Seeds: testdata/fuzz/FuzzParseDatRating.
func FuzzParseDatRating(f *testing.F) {
	for _, s := range []string{"6040::3578::4.5::956704996", "606::98243::3::136", "1::2::3", "1::2::3::4::5", "a::1::4::100", "1::::2::3", "1:::2::3::4"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		got, err := parseDatRating(line)
		if bytes.ContainsRune(line, ',') {
			return
		}
		want, werr := ratings.ParseLine(bytes.ReplaceAll(line, []byte("::"), []byte(",")))
		if (err == nil) != (werr == nil) || got != want {
			t.Fatalf("parseDatRating(%q) = %+v, %v; the CSV parser says %+v, %v", line, got, err, want, werr)
		}
	})
}

// FuzzParseRatings: a whole ratings file, in either format, is accepted only when
// every row is good and plausible; a refusal names file and line. Seeds:
// testdata/fuzz/FuzzParseRatings.
func FuzzParseRatings(f *testing.F) {
	f.Add([]byte("1::1::4::1000000100\n1::2::3.5::1000000200\n"), false)
	f.Add([]byte("1::1::4::1000000100\n606::98243::3::136"), false)
	f.Add([]byte(ratings.Header+"\n1,1,4.0,1000000100\n2,1,5,1000000300\n"), true)
	f.Add([]byte(ratings.Header+"\n1,1,4.0,1000000100\n2,1,5,10"), true)
	f.Fuzz(func(t *testing.T, doc []byte, csv bool) {
		format := "dat"
		if csv {
			format = "csv"
		}
		rows, err := parseRatings(bytes.NewReader(doc), "r."+format, format, int64(len(doc)))
		if err != nil {
			var le *ratings.LineError
			if errors.As(err, &le) && (le.File != "r."+format || le.Line < 1) {
				t.Fatalf("error %v names no file and line", err)
			}
			if !errors.As(err, &le) && !strings.Contains(err.Error(), "r."+format) {
				t.Fatalf("error %v does not name the file", err)
			}
			return
		}
		latest := now().Add(timeSkew).Unix()
		for _, r := range rows {
			if r.Time < firstMovieLensTime || r.Time > latest || r.User <= 0 || r.Item <= 0 || !ratings.ValidRating(float64(r.Rating)) {
				t.Fatalf("accepted an implausible row %+v", r)
			}
		}
	})
}
