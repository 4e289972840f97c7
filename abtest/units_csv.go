package abtest

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrBadUnits: a units file does not parse.
var ErrBadUnits = errors.New("bad units file")

func unitsHeader() string {
	cols := []string{"user", "returning", "w_rows", "w_rank"}
	for _, side := range []string{"a", "b", "bar"} {
		for _, m := range Metrics {
			cols = append(cols, side+"_"+m.Name)
		}
	}
	return strings.Join(cols, ",")
}

// EncodeUnits writes units as CSV (one line per user: id, returning 0/1, then the
// values with an exact float round trip).
func EncodeUnits(u *Units) []byte {
	var buf bytes.Buffer
	buf.WriteString(unitsHeader())
	buf.WriteByte('\n')
	var line []byte
	for i, id := range u.Users {
		line = strconv.AppendInt(line[:0], int64(id), 10)
		line = append(line, ',', '0')
		if u.Returning[i] {
			line[len(line)-1] = '1'
		}
		for _, v := range u.Row(i) {
			line = append(line, ',')
			line = strconv.AppendFloat(line, v, 'g', -1, 64)
		}
		line = append(line, '\n')
		buf.Write(line)
	}
	return buf.Bytes()
}

// DecodeUnits parses what EncodeUnits wrote; name is used in errors.
func DecodeUnits(data []byte, name string) (*Units, error) {
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) == 0 || lines[0] != unitsHeader() {
		return nil, fmt.Errorf("%s:1: %w: header does not match this version's metrics", name, ErrBadUnits)
	}
	s := Stride()
	users := make([]int32, 0, len(lines)-1)
	returning := make([]bool, 0, len(lines)-1)
	vals := make([]float64, 0, (len(lines)-1)*s)
	for n, l := range lines[1:] {
		f := strings.Split(l, ",")
		if len(f) != s+2 {
			return nil, fmt.Errorf("%s:%d: %w: %d fields, want %d", name, n+2, ErrBadUnits, len(f), s+2)
		}
		id, err := strconv.ParseInt(f[0], 10, 32)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w: user %q", name, n+2, ErrBadUnits, f[0])
		}
		if f[1] != "0" && f[1] != "1" {
			return nil, fmt.Errorf("%s:%d: %w: returning %q, want 0 or 1", name, n+2, ErrBadUnits, f[1])
		}
		users = append(users, int32(id))
		returning = append(returning, f[1] == "1")
		for _, x := range f[2:] {
			v, err := strconv.ParseFloat(x, 64)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w: value %q", name, n+2, ErrBadUnits, x)
			}
			vals = append(vals, v)
		}
	}
	return &Units{Users: users, Returning: returning, data: vals}, nil
}
