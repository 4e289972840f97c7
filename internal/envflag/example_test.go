package envflag_test

import (
	"errors"
	"fmt"
	"os"

	"github.com/recpipe/recpipe/internal/envflag"
)

// A flag declared once with its environment variable: the environment sets it, the
// command line beats the environment, and a malformed value is a usage error.
func Example() {
	maxRejected := 0.01 // the default
	day := 0            // 0: not given
	s := envflag.New("etl-day", "release the next day of the feed")
	s.Float64(&maxRejected, "max-rejected", "ETL_MAX_REJECTED", "share of a day's rows that may be rejected", envflag.Between(0.0, 1.0))
	s.Int(&day, "day", "", "release this day", envflag.Between(1, 20))

	getenv := func(k string) string { return map[string]string{"ETL_MAX_REJECTED": "0"}[k] }
	if err := s.Parse([]string{"--day", "3"}, getenv); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("day", day, "max-rejected", maxRejected)

	err := envflag.New("etl-day", "").Parse([]string{"3"}, nil)
	fmt.Println(errors.Is(err, envflag.ErrUsage), err)

	s = envflag.New("ab-eval", "compare two models on the released days")
	seed := uint64(1)
	s.Uint64(&seed, "seed", "AB_SEED", "bootstrap seed")
	err = s.Parse(nil, func(string) string { return "abc" })
	fmt.Println(err)
	s.WriteHelp(os.Stdout)
	// Output:
	// day 3 max-rejected 0
	// true usage error: unexpected argument "3" (etl-day takes flags only)
	// usage error: environment AB_SEED="abc": "abc" is not a non-negative integer
	// ab-eval: compare two models on the released days
	//
	// usage: ab-eval [flags]
	//
	// flags (the command line beats the environment, which beats the default):
	//   --seed N                bootstrap seed (env AB_SEED; default 1)
	//
	// exit codes:
	//   0  success (a run that found nothing to do included)
	//   1  the run failed (see the log on stderr and the run record)
	//   2  usage error: a bad flag, environment value or argument; nothing was done
}
