package prepare

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/recpipe/recpipe/data/movielens"
	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/envflag"
	"github.com/recpipe/recpipe/jobs"
)

// Name is the function's name (its binary, its run records' folder).
const Name = "prepare"

// Config is what one prepare run does.
type Config struct {
	Options etl.Options // Dataset, SourcePath, SyntheticRows, fractions, CacheDir, BaseURL
	JSON    bool        // print the manifest instead of the summary
}

// DefaultConfig prepares the shipped ml-latest-small with the default split.
func DefaultConfig() Config {
	return Config{Options: etl.Options{
		Dataset: etl.DefaultDataset, Shipped: movielens.SmallZip,
		TestFraction: etl.DefaultTestFraction, ValFraction: etl.DefaultValFraction,
		CacheDir: etl.DefaultCacheDir(), BaseURL: etl.DefaultBaseURL,
	}}
}

// Declare declares prepare's flags on s. The options are checked as Prepare would
// check them, so a bad invocation is a usage error before anything is read.
func (c *Config) Declare(s *envflag.Set) {
	o := &c.Options
	jobs.DeclareDataset(s, &o.Dataset, "to write: ml-latest-small is shipped, "+strings.Join(etl.Downloadable[1:], ", ")+
		" are downloaded; with --source or --synthetic-rows the name comes from them unless given")
	s.String(&o.SourcePath, "source", "", "a local release zip or folder to read instead (CSV or ::-separated .dat) at `PATH`")
	s.Int(&o.SyntheticRows, "synthetic-rows", "", "write a deterministic synthetic dataset synthetic-N of N ratings (benchmarks only)", envflag.AtLeast(1))
	s.Float64(&o.TestFraction, "test-fraction", "", "the last fraction of all ratings in time that is test, in (0, 1)", openFraction)
	s.Float64(&o.ValFraction, "val-fraction", "", "each user's last fraction of pre-cutoff ratings that is validation, in [0, 1) (0: none)",
		func(v float64) error {
			if v < 0 || v >= 1 {
				return errors.New("want a fraction in [0, 1)")
			}
			return nil
		})
	s.String(&o.CacheDir, "cache-dir", "RECPIPE_CACHE_DIR", "where downloads are kept: `DIR`")
	s.String(&o.BaseURL, "base-url", "MOVIELENS_BASE_URL", "where releases are downloaded from: `URL`")
	s.Bool(&c.JSON, "json", "", "print the manifest as JSON instead of a summary")
	s.Note(jobs.DatasetDoc)
	s.Rule(func() error {
		if !s.Given("dataset") && (o.SourcePath != "" || o.SyntheticRows > 0) {
			o.Dataset = "" // named by the source or the row count
		}
		return o.Check()
	})
}

func openFraction(v float64) error {
	if v <= 0 || v >= 1 {
		return errors.New("want a fraction in (0, 1)")
	}
	return nil
}

// Run prepares the dataset c names (a no-op when it is prepared from the same
// source). It records the source as an input: env.Bucket records the objects.
func Run(ctx context.Context, env *jobs.Env, c Config) (*etl.PrepareResult, error) {
	o := c.Options
	o.Log = env.Log
	if o.ValFraction == 0 {
		o.ValFraction = -1 // an explicit 0: no validation split
	}
	res, err := etl.Prepare(ctx, env.Bucket, o)
	if err != nil {
		return nil, fmt.Errorf("prepare %s: %w", cmp.Or(o.Dataset, o.SourcePath), err)
	}
	src := res.Manifest.Source
	env.Run.AddInput(cmp.Or(src.URL, src.Name)) // outside the bucket: the runtime cannot see it
	return res, nil
}

// Command is the prepare binary.
func Command() jobs.Command {
	c := DefaultConfig()
	return jobs.Command{
		Function: jobs.Function{Name: Name},
		Purpose:  "split a MovieLens release by time into train, validation and test, written to prepared/<dataset>/",
		Flags:    c.Declare,
		Run: func(ctx context.Context, env *jobs.Env) error {
			if isTerminal(os.Stderr) {
				c.Options.Progress = true
			}
			res, err := Run(ctx, env, c)
			if err != nil {
				return err
			}
			if c.JSON {
				enc := json.NewEncoder(env.Out())
				enc.SetIndent("", "  ")
				return enc.Encode(res.Manifest)
			}
			WriteSummary(env.Out(), res)
			return nil
		},
	}
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
