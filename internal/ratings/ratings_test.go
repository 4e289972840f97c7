package ratings

import (
	"errors"
	"strings"
	"testing"
)

func TestParseLine(t *testing.T) {
	tests := []struct {
		line string
		want Rating
		err  error
	}{
		{"1,31,2.5,1260759144", Rating{1, 31, 2.5, 1260759144}, nil},
		{"7,1,5,0", Rating{7, 1, 5, 0}, nil},
		{"7,1,0.5,-5", Rating{7, 1, 0.5, -5}, nil},
		{"1,31,2.5", Rating{}, ErrFieldCount},
		{"1,31,2.5,1,9", Rating{}, ErrFieldCount},
		{"x,31,2.5,1", Rating{}, ErrUser},
		{"0,31,2.5,1", Rating{}, ErrUser},
		{"1,-3,2.5,1", Rating{}, ErrItem},
		{"1,3,0,1", Rating{}, ErrRating},
		{"1,3,2.25,1", Rating{}, ErrRating},
		{"1,3,5.5,1", Rating{}, ErrRating},
		{"1,3,NaN,1", Rating{}, ErrRatingNaN},
		{"1,3,four,1", Rating{}, ErrRatingNaN},
		{"1,3,Inf,1", Rating{}, ErrRatingNaN},
		{"1,3,,1", Rating{}, ErrRatingNaN},
		{"1,3,1e999,1", Rating{}, ErrRating},
		{"1,3,4.0,12.5", Rating{}, ErrTimestamp},
		{"1,3,4.0,", Rating{}, ErrTimestamp},
	}
	for _, tt := range tests {
		got, err := ParseLine([]byte(tt.line))
		if !errors.Is(err, tt.err) || (tt.err == nil && got != tt.want) {
			t.Errorf("ParseLine(%q) = %+v, %v; want %+v, %v", tt.line, got, err, tt.want, tt.err)
		}
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	rows := []Rating{{1, 31, 2.5, 1260759144}, {2, 10, 4, 835355493}, {3, 7, 0.5, 0}}
	doc := Encode(rows)
	want := "userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n2,10,4.0,835355493\n3,7,0.5,0\n"
	if string(doc) != want {
		t.Fatalf("Encode = %q, want %q", doc, want)
	}
	back, err := ReadAll(strings.NewReader(string(doc)), "x.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(rows) {
		t.Fatalf("round trip: %d rows, want %d", len(back), len(rows))
	}
	for i := range rows {
		if back[i] != rows[i] {
			t.Errorf("row %d: %+v, want %+v", i, back[i], rows[i])
		}
	}
	var sb strings.Builder
	if err := Write(&sb, rows); err != nil || sb.String() != want {
		t.Fatalf("Write = %q, %v", sb.String(), err)
	}
}

func TestScanNamesFileAndLine(t *testing.T) {
	doc := "userId,movieId,rating,timestamp\n1,2,3.0,4\n1,2,9.0,4\n\n1,2\r\n"
	var bad []*LineError
	var good int
	err := Scan(strings.NewReader(doc), "day.csv", func(r Rating, e *LineError) error {
		if e != nil {
			bad = append(bad, e)
		} else {
			good++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if good != 1 || len(bad) != 2 {
		t.Fatalf("good=%d bad=%d, want 1 and 2", good, len(bad))
	}
	if bad[0].Line != 3 || !errors.Is(bad[0], ErrRating) || !strings.Contains(bad[0].Error(), "day.csv:3") {
		t.Errorf("first bad row: %v", bad[0])
	}
	if bad[1].Line != 5 || !errors.Is(bad[1], ErrFieldCount) {
		t.Errorf("second bad row: %v", bad[1])
	}
	if _, err := ReadAll(strings.NewReader(doc), "day.csv"); err == nil || !strings.Contains(err.Error(), "day.csv:3") {
		t.Errorf("ReadAll error = %v, want day.csv:3", err)
	}
}

func TestScanHeader(t *testing.T) {
	for _, doc := range []string{"", "a,b,c,d\n1,2,3.0,4\n"} {
		err := Scan(strings.NewReader(doc), "f.csv", func(Rating, *LineError) error { return nil })
		var le *LineError
		if !errors.As(err, &le) || le.Line != 1 {
			t.Errorf("Scan(%q) = %v, want a line-1 error", doc, err)
		}
	}
}

func TestValidRating(t *testing.T) {
	for v, want := range map[float64]bool{0.5: true, 1: true, 4.5: true, 5: true, 0: false, 0.25: false, 5.5: false, -1: false} {
		if ValidRating(v) != want {
			t.Errorf("ValidRating(%v) = %v", v, !want)
		}
	}
}

// TestScanCutLastLine: a bad last line without a newline is reported as cut; the same
// line with its newline, or a good last line without one, is not.
func TestScanCutLastLine(t *testing.T) {
	for _, tc := range []struct {
		doc     string
		cut     bool
		bad     bool
		lastRow Rating
	}{
		{Header + "\n1,2,3.0,1000000000\n606,98243,3,", true, true, Rating{}},
		{Header + "\n1,2,3.0,1000000000\n606,98243,3,\n", false, true, Rating{}},
		{Header + "\n1,2,3.0,1000000000\r\n606,98243,3.5,1000000001", false, false, Rating{606, 98243, 3.5, 1000000001}},
	} {
		var last Rating
		var bad *LineError
		err := Scan(strings.NewReader(tc.doc), "r.csv", func(rec Rating, b *LineError) error {
			last, bad = rec, b
			return nil
		})
		if err != nil || (bad != nil) != tc.bad || (bad != nil && errors.Is(bad, ErrCut) != tc.cut) || last != tc.lastRow {
			t.Errorf("Scan(%q): err %v, bad %v, last %+v; want bad %v cut %v last %+v", tc.doc, err, bad, last, tc.bad, tc.cut, tc.lastRow)
		}
		if bad != nil && bad.Line != 3 {
			t.Errorf("Scan(%q): bad line %d, want 3", tc.doc, bad.Line)
		}
	}
}

// TestScanStrayCarriageReturn: Scan removes one line ending ("\n" or "\r\n"); a line
// whose text is or ends with a stray "\r" is data, delivered as a bad row with its
// line number, never skipped as blank. Only an empty line is skipped.
func TestScanStrayCarriageReturn(t *testing.T) {
	for _, tc := range []struct {
		doc       string
		good, bad int
		badLine   int
	}{
		{Header + "\n\r\r", 0, 1, 2}, // FuzzScan's 5dcbc2f8b7e7eb2c: the last line is "\r"
		{Header + "\n\r\r\n1,2,3.0,4\n", 1, 1, 2},
		{Header + "\r\n1,2,3.0,4\r\r\n", 0, 1, 2},
		{Header + "\r\n\r\n1,2,3.0,4\r\n", 1, 0, 0}, // an empty CRLF line is blank
		{Header + "\n1,2,3.0,4\r", 1, 0, 0},         // a last line's "\r" is its ending
		{Header + "\n\r", 0, 0, 0},
	} {
		var good int
		var bad []*LineError
		err := Scan(strings.NewReader(tc.doc), "r.csv", func(_ Rating, b *LineError) error {
			if b != nil {
				bad = append(bad, b)
			} else {
				good++
			}
			return nil
		})
		if err != nil || good != tc.good || len(bad) != tc.bad {
			t.Errorf("Scan(%q): err %v, %d good, %d bad; want %d good, %d bad", tc.doc, err, good, len(bad), tc.good, tc.bad)
			continue
		}
		if tc.bad > 0 && (bad[0].Line != tc.badLine || !errors.Is(bad[0], ErrFieldCount) && !errors.Is(bad[0], ErrTimestamp)) {
			t.Errorf("Scan(%q): bad row %v, want line %d with a reason", tc.doc, bad[0], tc.badLine)
		}
	}
}
