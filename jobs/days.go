package jobs

import (
	"context"
	"fmt"
	"strings"

	"github.com/recpipe/recpipe/internal/envflag"
	"github.com/recpipe/recpipe/internal/layout"
)

// DayTarget says what one run of a day job (ab-eval, retrain) works on: the days
// listed, every released day, or what an event's key asks for.
type DayTarget struct {
	Days []int
	All  bool
	Key  *layout.Key // the event's key, parsed (zero Kind: a key outside the layout)
}

// DayWork is a day job's work for each kind of DayTarget; each returns the days done.
type DayWork struct {
	Key  func(ctx context.Context, k layout.Key) ([]int, error)
	All  func(ctx context.Context) ([]int, error)
	Days func(ctx context.Context, days []int) ([]int, error)
	// Skipped says why days were left undone (read after the run).
	Skipped func() []string
}

// Run does w for t and logs the days done as msg. A run that does nothing because
// no day was ready is a skip (Skip) with the reasons.
func (w DayWork) Run(ctx context.Context, env *Env, t DayTarget, msg string) error {
	var done []int
	var err error
	switch {
	case t.Key != nil:
		done, err = w.Key(ctx, *t.Key)
	case t.All:
		done, err = w.All(ctx)
	default:
		done, err = w.Days(ctx, t.Days)
	}
	if err != nil {
		return err
	}
	env.Log.Info(msg, "days", done)
	if skipped := w.Skipped(); len(done) == 0 && len(skipped) > 0 {
		return Skip(strings.Join(skipped, "; "))
	}
	return nil
}

// DayCommand is the command of a day job: its own flags (declare), then --day N or
// --all (DayOrAll, days 1..lastDay), each run by run. verb says what the job does
// with a day in --help ("evaluate", "refresh with").
func DayCommand(fn Function, purpose, verb string, lastDay int, declare func(*envflag.Set), run func(ctx context.Context, env *Env, t DayTarget) error) Command {
	var day int
	var all bool
	return Command{
		Function: fn,
		Purpose:  purpose,
		Flags: func(s *envflag.Set) {
			declare(s)
			s.Int(&day, "day", "", fmt.Sprintf("%s this released day (1..%d); skipped unless its quality report passed", verb, lastDay), envflag.Between(1, lastDay))
			s.Bool(&all, "all", "", verb+" every released day whose quality report passed")
			s.Note(DatasetDoc)
			s.Rule(func() error { return DayOrAll(s, day, all, lastDay) })
		},
		Run: func(ctx context.Context, env *Env) error {
			if all {
				return run(ctx, env, DayTarget{All: true})
			}
			return run(ctx, env, DayTarget{Days: []int{day}})
		},
	}
}
