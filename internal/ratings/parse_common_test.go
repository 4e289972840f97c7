package ratings

import (
	"bytes"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// TestParseCommonAgrees: where the one-pass parser accepts a line, the full parser
// gives the same rating; over well-formed lines it accepts them all, and over
// mutated ones (signs, other decimals, empty and extra fields, stray bytes, huge
// ids) it accepts only what the full parser accepts.
func TestParseCommonAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"", "0", "00", "1", "7", "+", "-", ".", ",", "5", "0.5", "5.0", "4.5", "3.3", "10", "e", "\r", " ",
		"999999999", "1000000000", "2147483648", "999999999999999999", "1000000000000000000", "x"}
	accepted := 0
	for range 200000 {
		var line string
		if rng.IntN(3) == 0 {
			line = strings.Join([]string{
				pick(rng, []string{"1", "42", "610", "999999999"}), pick(rng, []string{"1", "318", "193609"}),
				pick(rng, []string{"0.5", "1.0", "2.5", "3", "4.0", "5.0"}), pick(rng, []string{"0", "964982703", "1697164147"}),
			}, ",")
			if _, ok := parseCommon([]byte(line)); !ok {
				t.Fatalf("%q: not taken by the one-pass parser", line)
			}
		} else {
			var b strings.Builder
			for range 1 + rng.IntN(9) {
				b.WriteString(pick(rng, pieces))
			}
			line = b.String()
		}
		got, ok := parseCommon([]byte(line))
		if !ok {
			continue
		}
		accepted++
		want, err := parseLine([]byte(line))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: one pass %+v, full parser %+v, %v", line, got, want, err)
		}
	}
	if accepted < 60000 {
		t.Fatalf("only %d lines taken by the one-pass parser", accepted)
	}
}

func pick(rng *rand.Rand, s []string) string { return s[rng.IntN(len(s))] }

// TestParseAllEqualsReadAll: ParseAll and ReadAll read the same rows and fail alike.
func TestParseAllEqualsReadAll(t *testing.T) {
	for _, doc := range []string{
		Header + "\n1,2,3.5,100\n2,3,4.0,101\r\n3,4,5,102",
		Header + "\n1,2,3.5,100\n2,3,x,101\n",
		"",
	} {
		want, werr := ReadAll(bytes.NewReader([]byte(doc)), "f.csv")
		got, gerr := ParseAll([]byte(doc), "f.csv")
		if !reflect.DeepEqual(got, want) || (gerr == nil) != (werr == nil) || (gerr != nil && gerr.Error() != werr.Error()) {
			t.Fatalf("%q: ParseAll %v, %v; ReadAll %v, %v", doc, got, gerr, want, werr)
		}
	}
}

// BenchmarkParseAll parses a 1,000,000-row ratings CSV shaped like a prepared split
// (in two halves at once).
func BenchmarkParseAll(b *testing.B) { benchmarkParseAll(b) }

// BenchmarkParseAllOneCore is BenchmarkParseAll in one pass.
func BenchmarkParseAllOneCore(b *testing.B) {
	defer func(m int) { parallelMin = m }(parallelMin)
	parallelMin = math.MaxInt
	benchmarkParseAll(b)
}

func benchmarkParseAll(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	rows := make([]Rating, 1_000_000)
	for k := range rows {
		rows[k] = Rating{User: int32(1 + rng.IntN(200000)), Item: int32(1 + rng.IntN(90000)),
			Rating: float32(1+rng.IntN(10)) / 2, Time: 789652009 + int64(rng.IntN(900000000))}
	}
	doc := Encode(rows)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := ParseAll(doc, "bench.csv"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestParseAllHalvesEqualsReadAll: ParseAll, in two halves or in one pass, fast path or
// not, reads the rows ReadAll reads and fails alike, wherever the bad row, a blank
// line, a "\r\n", a missing header or a cut last line is.
func TestParseAllHalvesEqualsReadAll(t *testing.T) {
	defer func(m int) { parallelMin = m }(parallelMin)
	rng := rand.New(rand.NewPCG(3, 4))
	lines := []string{"1,2,3.5,100", "2,3,4.0,101\r", "", "3,4,5,102", "7,8,0.5,9"}
	bad := []string{"2,3,x,101", "1,2", "\r", "1,2,3.5,100,7"}
	for range 3000 {
		var doc strings.Builder
		if rng.IntN(20) > 0 {
			doc.WriteString(Header + "\n")
		}
		for range rng.IntN(12) {
			if rng.IntN(15) == 0 {
				doc.WriteString(pick(rng, bad) + "\n")
			} else {
				doc.WriteString(pick(rng, lines) + "\n")
			}
		}
		if rng.IntN(3) == 0 {
			doc.WriteString(pick(rng, append(lines, bad...)))
		}
		want, werr := ReadAll(strings.NewReader(doc.String()), "f.csv")
		for _, min := range []int{1, math.MaxInt} { // halves, one pass
			parallelMin = min
			got, gerr := ParseAll([]byte(doc.String()), "f.csv")
			if !reflect.DeepEqual(got, want) || (gerr == nil) != (werr == nil) || (gerr != nil && gerr.Error() != werr.Error()) {
				t.Fatalf("%q (parallelMin %d): ParseAll %v, %v; ReadAll %v, %v", doc.String(), min, got, gerr, want, werr)
			}
		}
	}
}

// FuzzParseAll: ParseAll, in two halves and in one pass, reads what ReadAll reads and
// fails alike.
func FuzzParseAll(f *testing.F) {
	f.Add([]byte(Header + "\n1,31,2.5,1260759144\n2,10,4,835355493\n"))
	f.Add([]byte(Header + "\r\n1,31,2.5,1260759144\r\n\r\nx,1,1,1\r\n"))
	f.Add([]byte(Header + "\n1,2,3.0,1000000000\n606,98243,3,136"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, doc []byte) {
		defer func(m int) { parallelMin = m }(parallelMin)
		want, werr := ReadAll(bytes.NewReader(doc), "f.csv")
		for _, min := range []int{1, math.MaxInt} {
			parallelMin = min
			got, gerr := ParseAll(doc, "f.csv")
			if !reflect.DeepEqual(got, want) || (gerr == nil) != (werr == nil) || (gerr != nil && gerr.Error() != werr.Error()) {
				t.Fatalf("%q (parallelMin %d): ParseAll %v, %v; ReadAll %v, %v", doc, min, got, gerr, want, werr)
			}
		}
	})
}
