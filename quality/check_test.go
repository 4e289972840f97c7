package quality_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/etl/releasetest"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/schemas"
	"github.com/recpipe/recpipe/quality"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// recorder is a bucket that records the keys read and written.
type recorder struct {
	blob.Bucket
	mu         sync.Mutex
	gets, puts []string
}

func (r *recorder) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	r.mu.Lock()
	r.gets = append(r.gets, key)
	r.mu.Unlock()
	return r.Bucket.Get(ctx, key)
}

func (r *recorder) Put(ctx context.Context, key string, rd io.Reader, o blob.PutOptions) (blob.Attrs, error) {
	a, err := r.Bucket.Put(ctx, key, rd, o)
	if err == nil {
		r.mu.Lock()
		r.puts = append(r.puts, key)
		r.mu.Unlock()
	}
	return a, err
}

func (r *recorder) reset() (gets, puts []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	gets, puts, r.gets, r.puts = r.gets, r.puts, nil, nil
	return gets, puts
}

const ds = "fixture"

// released writes a synthetic prepared dataset and releases days 1..days.
func released(t testing.TB, testRows, days int) *recorder {
	t.Helper()
	ctx := context.Background()
	b := &recorder{Bucket: blob.NewMem()}
	if _, err := releasetest.Write(ctx, b, ds, releasetest.Synthetic(4*testRows, testRows/2, testRows, 11)); err != nil {
		t.Fatal(err)
	}
	if _, err := (&etl.Releaser{Bucket: b, Dataset: ds}).Simulate(ctx, days); err != nil {
		t.Fatal(err)
	}
	b.reset()
	return b
}

func TestEveryReleasedDayPasses(t *testing.T) {
	ctx := context.Background()
	b := released(t, 2000, etl.Days)
	c := &quality.Checker{Bucket: b}
	for d := 1; d <= etl.Days; d++ {
		rep, err := c.Check(ctx, d)
		if err != nil {
			t.Fatalf("day %d: %v", d, err)
		}
		if !rep.Success || rep.Statistics.FailedErrors != 0 {
			t.Fatalf("day %d failed: %v", d, rep.Failed(quality.Error))
		}
		if d > 5 && !slices.ContainsFunc(rep.Results, func(r quality.Result) bool { return strings.HasPrefix(r.Check, quality.AnomalyPrefix) }) {
			t.Fatalf("day %d: no anomaly check with %d days of history", d, d-1)
		}
		gets, _ := b.reset()
		if d > 1 && slices.Contains(gets, layout.Prepared(ds, layout.TrainName)) {
			t.Fatalf("day %d read train: the profile should be cached", d)
		}
		validateKey(t, b, layout.QualityReport(layout.Day(d)))
	}
	validateKey(t, b, layout.QualityHistory)
	validateKey(t, b, layout.QualityTrainProfile)
	var h quality.History
	if err := blob.ReadJSON(ctx, b, layout.QualityHistory, &h); err != nil || len(h.Days) != etl.Days {
		t.Fatalf("history: %d days, %v", len(h.Days), err)
	}
	// A second pass over every day rewrites nothing.
	for d := 1; d <= etl.Days; d++ {
		if _, err := c.Check(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if _, puts := b.reset(); len(puts) != 0 {
		t.Fatalf("rerun wrote %v", puts)
	}
}

func TestReportGolden(t *testing.T) {
	b := released(t, 400, 2)
	rep, err := (&quality.Checker{Bucket: b}).Check(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := blob.MarshalJSON(rep)
	golden(t, "report_day02.golden.json", got)
}

func TestNotReleased(t *testing.T) {
	b := released(t, 400, 1)
	_, err := (&quality.Checker{Bucket: b}).Check(context.Background(), 2)
	if !errors.Is(err, quality.ErrNotReleased) || !strings.Contains(err.Error(), "etl/day=02/_manifest.json") {
		t.Fatalf("err = %v", err)
	}
}

func validateKey(t *testing.T, b blob.Bucket, key string) {
	t.Helper()
	data, err := blob.ReadAll(context.Background(), b, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := schemas.Validate(data); err != nil {
		t.Fatalf("%s: %v", key, err)
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the golden file (go test -update rewrites it):\n%s", name, got)
	}
	if err := schemas.Validate(got); err != nil {
		t.Fatal(err)
	}
}
