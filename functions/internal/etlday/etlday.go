package etlday

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/envflag"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/jobs"
)

// Name is the function's name (its binary, its run records' folder).
const Name = "etl-day"

// Config is what one etl-day run does: release Day, or the next Simulate days, or
// (neither) the next unreleased day.
type Config struct {
	Dataset     string
	Day         int // 1..etl.Days; 0: not given
	Simulate    int // >= 1; 0: not given
	MaxRejected float64
	Status      bool // print etl/status.json instead
	JSON        bool // print the day manifests as JSON
}

// DefaultConfig releases the next day of ml-latest-small's feed.
func DefaultConfig() Config {
	return Config{Dataset: etl.DefaultDataset, MaxRejected: etl.DefaultMaxRejectedShare}
}

// Declare declares etl-day's flags on s.
func (c *Config) Declare(s *envflag.Set) {
	jobs.DeclareDataset(s, &c.Dataset, "whose test period is released")
	s.Int(&c.Day, "day", "", fmt.Sprintf("release this day (1..%d); a released day is a no-op", etl.Days), envflag.Between(1, etl.Days))
	s.Int(&c.Simulate, "simulate", "", "release the next N unreleased days in order", envflag.AtLeast(1))
	s.Float64(&c.MaxRejected, "max-rejected", "ETL_MAX_REJECTED", "share of a day's rows that may be rejected before the day fails, in [0, 1]",
		envflag.Between(0.0, 1.0))
	s.Bool(&c.Status, "status", "", "print etl/status.json and exit")
	s.Bool(&c.JSON, "json", "", "print the day manifest(s) as JSON")
	s.Note(jobs.DatasetDoc)
	s.Rule(func() error {
		switch {
		case c.Day != 0 && c.Simulate != 0:
			return errors.New("give --day N or --simulate N, not both")
		case c.Status && (c.Day != 0 || c.Simulate != 0):
			return errors.New("--status prints the status; it takes no --day or --simulate")
		}
		return nil
	})
}

// Released is one day a run released (or found released).
type Released struct {
	Manifest *etl.DayManifest
	Outcome  etl.Outcome
}

// Run releases what c asks for (env.Bucket records what it reads and writes). When every day is already released, "next" is a no-op: it returns no day
// and etl.ErrAllReleased.
func Run(ctx context.Context, env *jobs.Env, c Config) ([]Released, error) {
	r := &etl.Releaser{Bucket: env.Bucket, Dataset: c.Dataset, MaxRejectedShare: &c.MaxRejected, Log: env.Log}
	if c.Simulate > 0 {
		ms, err := r.Simulate(ctx, c.Simulate)
		out := make([]Released, len(ms))
		for i, m := range ms {
			out[i] = Released{Manifest: m}
		}
		return out, err
	}
	var m *etl.DayManifest
	var outcome etl.Outcome
	var err error
	if c.Day != 0 {
		m, outcome, err = r.Release(ctx, c.Day)
	} else {
		m, outcome, err = r.Next(ctx)
	}
	if m == nil {
		return nil, err
	}
	env.Log.Info("day", "day", m.Day, "outcome", string(outcome))
	return []Released{{Manifest: m, Outcome: outcome}}, err
}

// Command is the etl-day binary.
func Command() jobs.Command {
	c := DefaultConfig()
	return jobs.Command{
		Function: jobs.Function{Name: Name},
		Purpose:  fmt.Sprintf("release the test period of a prepared dataset as a daily feed of %d days, to etl/day=NN/", etl.Days),
		Flags:    c.Declare,
		Run: func(ctx context.Context, env *jobs.Env) error {
			if c.Status {
				return printStatus(ctx, env.Out(), env.Bucket, c.Dataset)
			}
			days, err := Run(ctx, env, c)
			if errors.Is(err, etl.ErrAllReleased) {
				env.Log.Info("nothing to release", "reason", err.Error())
				fmt.Fprintln(env.Out(), err)
				err = nil
			}
			printDays(env.Out(), days, c.JSON)
			return err
		},
	}
}

func printDays(w io.Writer, days []Released, asJSON bool) {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		switch len(days) {
		case 0:
		case 1:
			enc.Encode(days[0].Manifest)
		default:
			ms := make([]*etl.DayManifest, len(days))
			for i, d := range days {
				ms[i] = d.Manifest
			}
			enc.Encode(ms)
		}
		return
	}
	for _, d := range days {
		m := d.Manifest
		fmt.Fprintf(w, "day %02d: %d rows, %d rejected, time %d..%d, %s (sha256 %.12s)\n",
			m.Day, m.Rows, m.Rejected, m.TimeRange.Min, m.TimeRange.Max, m.Batch.Key, m.Batch.SHA256)
	}
}

// printStatus prints etl/status.json as stored; before the first release it prints
// the status derived from the (empty) feed.
func printStatus(ctx context.Context, w io.Writer, b blob.Bucket, dataset string) error {
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
	_, err = w.Write(data)
	return err
}
