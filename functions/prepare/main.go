package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/recpipe/recpipe/data/movielens"
	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/jobs"
)

func main() {
	fs := flag.NewFlagSet("prepare", flag.ExitOnError)
	common := jobs.RegisterFlags(fs)
	opts := etl.Options{Shipped: movielens.SmallZip}
	fs.StringVar(&opts.Dataset, "dataset", os.Getenv("DATASET"), "ml-latest-small (shipped, the default) or "+strings.Join(etl.Downloadable[1:], ", ")+" (downloaded) (env DATASET)")
	fs.StringVar(&opts.SourcePath, "source", "", "a local release zip or folder to read instead (dataset name: its base name unless --dataset)")
	fs.IntVar(&opts.SyntheticRows, "synthetic-rows", 0, "write a deterministic synthetic dataset synthetic-N of N ratings (benchmarks only)")
	fs.Float64Var(&opts.TestFraction, "test-fraction", etl.DefaultTestFraction, "the last fraction of all ratings in time that is test")
	fs.Float64Var(&opts.ValFraction, "val-fraction", etl.DefaultValFraction, "each user's last fraction of pre-cutoff ratings that is validation")
	fs.StringVar(&opts.CacheDir, "cache-dir", etl.DefaultCacheDir(), "where downloads are kept (env RECPIPE_CACHE_DIR)")
	fs.StringVar(&opts.BaseURL, "base-url", jobs.EnvOr("MOVIELENS_BASE_URL", etl.DefaultBaseURL), "where releases are downloaded from (env MOVIELENS_BASE_URL)")
	asJSON := fs.Bool("json", false, "print the manifest as JSON instead of a summary")
	fs.Parse(os.Args[1:])
	if opts.ValFraction == 0 {
		opts.ValFraction = -1 // an explicit 0: no validation split
	}
	if st, err := os.Stderr.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
		opts.Progress = true
	}

	os.Exit(jobs.Main(common, "prepare", func(ctx context.Context, env *jobs.Env) error {
		opts.Log = env.Log
		if opts.TestFraction <= 0 {
			return jobs.Exit(2, fmt.Errorf("--test-fraction %v: want a fraction in (0, 1)", opts.TestFraction))
		}
		res, err := etl.Prepare(ctx, env.Bucket, opts)
		if errors.Is(err, etl.ErrBadOptions) || errors.Is(err, etl.ErrUnknownDataset) {
			return jobs.Exit(2, err)
		}
		if err != nil {
			return err
		}
		src := res.Manifest.Source
		env.Run.AddInput(cmp.Or(src.URL, src.Name)) // outside the bucket: the runtime cannot see it
		if *asJSON {
			enc := json.NewEncoder(os.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(res.Manifest)
		}
		printSummary(os.Stdout, res)
		return nil
	}))
}

func printSummary(w io.Writer, res *etl.PrepareResult) {
	m := res.Manifest
	state := fmt.Sprintf("wrote %d objects", len(res.Written))
	if res.Skipped {
		state = "already prepared, nothing written"
	}
	kind := ""
	if m.Synthetic {
		kind = " (SYNTHETIC)"
	}
	fmt.Fprintf(w, "%s%s: %s ratings from %s (sha256 %.12s), %s\n", m.Dataset, kind, group(m.Ratings), m.Source.Name, m.Source.SHA256, state)
	for _, s := range []struct {
		name string
		st   etl.SplitStats
	}{{"train", m.Splits.Train}, {"val", m.Splits.Val}, {"test", m.Splits.Test}} {
		fmt.Fprintf(w, "  %-5s %11s rows %8s users %7s items  %d..%d  %s\n", s.name, group(s.st.Rows), group(s.st.Users), group(s.st.Items), s.st.MinTime, s.st.MaxTime, s.st.Key)
	}
	c := m.ColdStart
	fmt.Fprintf(w, "  test cutoff %d (%d earlier rows share its second); test rows of users unseen in train %s (%.1f%%), of items unseen %s\n",
		m.TestCutoff, m.BoundaryTies, group(c.TestRowsUserUnseen), 100*float64(c.TestRowsUserUnseen)/float64(max(1, m.Splits.Test.Rows)), group(c.TestRowsItemUnseen))
	fmt.Fprintf(w, "  manifest %s\n", layout.PreparedManifest(m.Dataset))
}

// group writes n with thousands separators.
func group(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
