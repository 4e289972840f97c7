package jobs

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"

	"github.com/recpipe/recpipe/internal/layout"
)

// TestDayWorkRun: each kind of target reaches its own work, and a run that did no day
// is a skip with the reasons only when there are reasons.
func TestDayWorkRun(t *testing.T) {
	key := layout.Key{}
	for _, tc := range []struct {
		name    string
		target  DayTarget
		done    []int
		skipped []string
		want    string // which work ran
		skip    bool
	}{
		{"days", DayTarget{Days: []int{3}}, []int{3}, nil, "days", false},
		{"all", DayTarget{All: true}, []int{1, 2}, nil, "all", false},
		{"key", DayTarget{Key: &key}, []int{4}, nil, "key", false},
		{"nothing done, reasons", DayTarget{Days: []int{5}}, nil, []string{"day 5: not released"}, "days", true},
		{"nothing done, no reasons", DayTarget{All: true}, nil, nil, "all", false},
		{"done and skipped", DayTarget{All: true}, []int{1}, []string{"day 2: failed quality"}, "all", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ran string
			var gotDays []int
			w := DayWork{
				Key:     func(context.Context, layout.Key) ([]int, error) { ran = "key"; return tc.done, nil },
				All:     func(context.Context) ([]int, error) { ran = "all"; return tc.done, nil },
				Days:    func(_ context.Context, d []int) ([]int, error) { ran, gotDays = "days", d; return tc.done, nil },
				Skipped: func() []string { return tc.skipped },
			}
			err := w.Run(context.Background(), &Env{Log: slog.New(slog.DiscardHandler)}, tc.target, "done")
			if ran != tc.want {
				t.Errorf("ran %q, want %q", ran, tc.want)
			}
			if tc.want == "days" && !slices.Equal(gotDays, tc.target.Days) {
				t.Errorf("days %v, want %v", gotDays, tc.target.Days)
			}
			if got := errors.Is(err, ErrSkip); got != tc.skip || (!tc.skip && err != nil) {
				t.Errorf("err %v, want skip=%v", err, tc.skip)
			}
		})
	}
	boom := errors.New("boom")
	w := DayWork{Days: func(context.Context, []int) ([]int, error) { return nil, boom }, Skipped: func() []string { return []string{"x"} }}
	if err := w.Run(context.Background(), &Env{Log: slog.New(slog.DiscardHandler)}, DayTarget{Days: []int{1}}, "done"); !errors.Is(err, boom) || errors.Is(err, ErrSkip) {
		t.Errorf("a failing run: %v, want boom and no skip", err)
	}
}
