package etl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrNotDayKey: a key is not under etl/day=NN/.
var ErrNotDayKey = errors.New("not an etl day key")

// ParseDayKey splits etl/day=NN/<name> into the day and the name,
// e.g. "etl/day=07/_manifest.json" → 7, "_manifest.json".
func ParseDayKey(key string) (day int, name string, err error) {
	rest, ok := strings.CutPrefix(key, "etl/day=")
	if !ok {
		return 0, "", fmt.Errorf("%w: %q", ErrNotDayKey, key)
	}
	nn, name, ok := strings.Cut(rest, "/")
	if !ok || len(nn) != 2 || name == "" {
		return 0, "", fmt.Errorf("%w: %q", ErrNotDayKey, key)
	}
	d, err := strconv.Atoi(nn)
	if err != nil || d < 1 || d > Days {
		return 0, "", fmt.Errorf("%w: %q: day must be 01..%02d", ErrNotDayKey, key, Days)
	}
	return d, name, nil
}
