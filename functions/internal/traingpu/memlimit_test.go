package traingpu

import (
	"io"
	"log/slog"
	"math"
	"os"
	"runtime/debug"
	"testing"
)

// train-gpu sets MemoryLimit unless GOMEMLIMIT is in the environment.
func TestSetMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	tests := []struct {
		name string
		env  *string // nil: GOMEMLIMIT unset
		want int64
	}{
		{"unset", nil, MemoryLimit},
		{"set", ptr("8GiB"), math.MaxInt64}, // the runtime's (here untouched) value rules
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetMemoryLimit(math.MaxInt64)
			if tc.env != nil {
				t.Setenv("GOMEMLIMIT", *tc.env)
			} else {
				t.Setenv("GOMEMLIMIT", "")
				os.Unsetenv("GOMEMLIMIT")
			}
			setMemoryLimit(log)
			if got := debug.SetMemoryLimit(-1); got != tc.want {
				t.Fatalf("memory limit %d, want %d", got, tc.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
