// Command etl-day releases the test period of a prepared dataset as a daily feed:
// day N holds test rows [floor((N-1)·T/20), floor(N·T/20)) in time order, written to
// etl/day=NN/{batch.csv,rejected.csv} and, last, etl/day=NN/_manifest.json; then
// etl/status.json is refreshed (see etl.Releaser and DESIGN §3, §5, §6).
//
//	etl-day                     # release the next unreleased day
//	etl-day --day 3             # release day 3 (a rerun writes nothing)
//	etl-day --simulate 20       # release the next 20 unreleased days in order
//	etl-day --status            # print etl/status.json
//	etl-day --day 3 --json      # print the day's manifest
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/jobs"
)

func main() {
	fs := flag.NewFlagSet("etl-day", flag.ExitOnError)
	common := jobs.RegisterFlags(fs)
	dataset := fs.String("dataset", jobs.EnvOr("DATASET", etl.DefaultDataset), "prepared dataset to release, prepared/<ds>/ (env DATASET)")
	day := fs.Int("day", 0, "release this day (1..20)")
	simulate := fs.Int("simulate", 0, "release the next N unreleased days in order")
	status := fs.Bool("status", false, "print etl/status.json and exit")
	asJSON := fs.Bool("json", false, "print the day manifest(s) as JSON")
	maxRej := fs.Float64("max-rejected", envFloat("ETL_MAX_REJECTED", etl.DefaultMaxRejectedShare),
		"share of a day's rows that may be rejected before the day fails (env ETL_MAX_REJECTED)")
	fs.Parse(os.Args[1:])

	os.Exit(jobs.Main(common, "etl-day", func(ctx context.Context, env *jobs.Env) error {
		if *status {
			return printStatus(ctx, env.Bucket, *dataset)
		}
		r := &etl.Releaser{Bucket: env.Bucket, Dataset: *dataset, MaxRejectedShare: *maxRej, Log: env.Log}
		var ms []*etl.DayManifest
		var err error
		switch {
		case *day != 0 && *simulate != 0:
			return jobs.Exit(2, errors.New("give --day N or --simulate N, not both"))
		case *simulate < 0:
			return jobs.Exit(2, errors.New("--simulate wants a positive number of days"))
		case *simulate > 0:
			ms, err = r.Simulate(ctx, *simulate)
		default:
			var m *etl.DayManifest
			var out etl.Outcome
			if *day != 0 {
				m, out, err = r.Release(ctx, *day)
			} else {
				m, out, err = r.Next(ctx)
			}
			if m != nil {
				ms = append(ms, m)
				env.Log.Info("day", "day", m.Day, "outcome", string(out))
			}
		}
		if errors.Is(err, etl.ErrAllReleased) {
			env.Log.Info("nothing to release", "reason", err.Error())
			fmt.Println(err)
			err = nil
		}
		printDays(ms, *asJSON)
		return err
	}))
}

func printDays(ms []*etl.DayManifest, asJSON bool) {
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if len(ms) == 1 {
			enc.Encode(ms[0])
		} else if len(ms) > 1 {
			enc.Encode(ms)
		}
		return
	}
	for _, m := range ms {
		fmt.Printf("day %02d: %d rows, %d rejected, time %d..%d, %s (sha256 %.12s)\n",
			m.Day, m.Rows, m.Rejected, m.TimeRange.Min, m.TimeRange.Max, m.Batch.Key, m.Batch.SHA256)
	}
}

// printStatus prints etl/status.json as stored; before the first release it prints
// the status derived from the (empty) feed.
func printStatus(ctx context.Context, b blob.Bucket, dataset string) error {
	data, err := blob.ReadAll(ctx, b, layout.ETLStatus)
	if errors.Is(err, blob.ErrNotFound) {
		var src *etl.FeedSource
		if s, serr := etl.LoadFeedSource(ctx, b, dataset); serr == nil {
			src = &s
		}
		s, berr := etl.BuildStatus(ctx, b, src)
		if berr != nil {
			return berr
		}
		data, err = blob.MarshalJSON(s)
	}
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(data)
	return err
}

func envFloat(k string, def float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(k), 64); err == nil {
		return v
	}
	return def
}
