package layout

import (
	"errors"
	"fmt"
	"strconv"
)

// Days is the length of the production feed: the test period is released in 20
// daily slices, days 1..Days.
const Days = 20

// Day is a day of the feed, 1..Days. In keys it is written with two digits (day=07).
type Day int

// ErrBadDay: a day outside 1..Days, or not written as two digits.
var ErrBadDay = errors.New("bad day")

// Valid reports whether d is 1..Days.
func (d Day) Valid() bool { return d >= 1 && d <= Days }

// String is the day as keys write it: two digits, e.g. "07".
func (d Day) String() string { return fmt.Sprintf("%02d", int(d)) }

// ParseDay reads a day as keys write it: exactly two digits, 01..Days.
func ParseDay(s string) (Day, error) {
	if len(s) != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, fmt.Errorf("%w: %q: want two digits 01..%02d", ErrBadDay, s, Days)
	}
	n, _ := strconv.Atoi(s)
	if d := Day(n); d.Valid() {
		return d, nil
	}
	return 0, fmt.Errorf("%w: %q: want 01..%02d", ErrBadDay, s, Days)
}

// AllDays returns 1..Days.
func AllDays() []Day {
	out := make([]Day, Days)
	for i := range out {
		out[i] = Day(i + 1)
	}
	return out
}

// Validate returns nil for a day in 1..Days, else an error wrapping ErrBadDay.
func (d Day) Validate() error {
	if d.Valid() {
		return nil
	}
	return fmt.Errorf("%w: day %d, want 1..%d", ErrBadDay, int(d), Days)
}
