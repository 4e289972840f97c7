package etl

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// Options configure Prepare. The zero value prepares the shipped ml-latest-small
// when Shipped holds its bytes (functions/prepare passes data/movielens.SmallZip).
type Options struct {
	Dataset       string  // name under prepared/; default ml-latest-small, or the --source base name
	SourcePath    string  // a local release zip or folder instead of the shipped or downloaded one
	SyntheticRows int     // > 0: a synthetic dataset "synthetic-N" of that many ratings
	Seed          uint64  // of the synthetic generator; default DefaultSyntheticSeed
	TestFraction  float64 // default DefaultTestFraction
	ValFraction   float64 // default DefaultValFraction; negative means 0
	Shipped       []byte  // the ml-latest-small zip shipped with the binary, if any

	CacheDir     string        // downloads; default DefaultCacheDir()
	BaseURL      string        // default DefaultBaseURL
	HTTPClient   *http.Client  // default http.DefaultClient
	Progress     bool          // draw a progress bar (stderr is a terminal); log lines otherwise
	RetryInitial time.Duration // first retry wait of a download; default 1s
	Retries      uint64        // retries of a download after the first try; default 5
	Log          *slog.Logger
}

var datasetName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

func (o *Options) setDefaults() error {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
	}
	if o.CacheDir == "" {
		o.CacheDir = DefaultCacheDir()
	}
	if o.HTTPClient == nil {
		o.HTTPClient = http.DefaultClient
	}
	if o.RetryInitial <= 0 {
		o.RetryInitial = time.Second
	}
	if o.Retries == 0 {
		o.Retries = 5
	}
	if o.TestFraction == 0 {
		o.TestFraction = DefaultTestFraction
	}
	if o.ValFraction == 0 {
		o.ValFraction = DefaultValFraction
	} else if o.ValFraction < 0 {
		o.ValFraction = 0
	}
	if o.Seed == 0 {
		o.Seed = DefaultSyntheticSeed
	}
	switch {
	case o.SyntheticRows < 0:
		return fmt.Errorf("%w: --synthetic-rows %d", ErrBadOptions, o.SyntheticRows)
	case o.SyntheticRows > 0:
		want := SyntheticDataset(o.SyntheticRows)
		if o.SourcePath != "" || (o.Dataset != "" && o.Dataset != want) {
			return fmt.Errorf("%w: --synthetic-rows makes dataset %s; it takes no --dataset or --source", ErrBadOptions, want)
		}
		o.Dataset = want
	case o.Dataset == "" && o.SourcePath != "":
		base := o.SourcePath[strings.LastIndexAny(o.SourcePath, `/\`)+1:]
		o.Dataset = strings.TrimSuffix(base, ".zip")
	case o.Dataset == "":
		o.Dataset = DefaultDataset
	}
	if !datasetName.MatchString(o.Dataset) {
		return fmt.Errorf("%w: dataset name %q (letters, digits, '.', '_', '-')", ErrBadOptions, o.Dataset)
	}
	return checkFractions(o.TestFraction, o.ValFraction)
}

// Check reports what Prepare would refuse in o before it reads or writes anything:
// fractions out of range, conflicting options, a bad dataset name (ErrBadOptions), or
// a dataset that is neither shipped, downloadable nor given by a source
// (ErrUnknownDataset).
func (o Options) Check() error {
	if err := o.setDefaults(); err != nil {
		return err
	}
	shipped := o.Dataset == DefaultDataset && o.Shipped != nil
	if o.SyntheticRows == 0 && o.SourcePath == "" && !shipped && !slices.Contains(Downloadable, o.Dataset) {
		return fmt.Errorf("%w: %q (shipped: %s; downloadable: %s; or give --source)", ErrUnknownDataset, o.Dataset, DefaultDataset, strings.Join(Downloadable, ", "))
	}
	return nil
}

func (o *Options) retryPolicy(ctx context.Context) backoff.BackOff {
	eb := backoff.NewExponentialBackOff()
	eb.InitialInterval = o.RetryInitial
	eb.MaxElapsedTime = 0
	return backoff.WithContext(backoff.WithMaxRetries(eb, o.Retries), ctx)
}
