package etl_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/recpipe/recpipe/data/movielens"
	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/blob/blobtest"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/internal/schemas"
)

// prepSnapshot returns every object of the bucket by key.
func prepSnapshot(t *testing.T, b blob.Bucket) map[string][]byte { return blobtest.Objects(t, b, "") }

// TestPrepareMovieLensSmall checks the "done when" on the shipped release.
func TestPrepareMovieLensSmall(t *testing.T) {
	ctx := context.Background()
	b := blob.NewMem()
	res, err := etl.Prepare(ctx, b, etl.Options{Shipped: movielens.SmallZip})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Manifest
	const total = 100836
	if m.Ratings != total || m.Splits.Train.Rows+m.Splits.Val.Rows+m.Splits.Test.Rows != total {
		t.Fatalf("ratings %d, train+val+test = %d, want %d", m.Ratings, m.Splits.Train.Rows+m.Splits.Val.Rows+m.Splits.Test.Rows, total)
	}
	if want := 20168; m.Splits.Test.Rows != want { // ceil(0.2 × 100836)
		t.Fatalf("test rows %d, want %d", m.Splits.Test.Rows, want)
	}
	if m.Synthetic || m.Source.Format != "csv" || m.Source.SHA256 != "696d65a3dfceac7c45750ad32df2c259311949efec81f0f144fdfb91ebc9e436" {
		t.Fatalf("source %+v synthetic %v", m.Source, m.Synthetic)
	}

	train, err := etl.ReadSplit(ctx, b, m.Dataset, etl.SplitTrain)
	if err != nil {
		t.Fatal(err)
	}
	val, err := etl.ReadSplit(ctx, b, m.Dataset, etl.SplitVal)
	if err != nil {
		t.Fatal(err)
	}
	test, err := etl.ReadSplit(ctx, b, m.Dataset, etl.SplitTest)
	if err != nil {
		t.Fatal(err)
	}
	if len(train) != m.Splits.Train.Rows || len(val) != m.Splits.Val.Rows || len(test) != m.Splits.Test.Rows {
		t.Fatalf("read %d/%d/%d rows, manifest says %+v", len(train), len(val), len(test), m.Splits)
	}
	// SplitRows applies the same rule in memory: the same three splits.
	shuffled := slices.Concat(test, val, train)
	tr, va, te, err := etl.SplitRows(shuffled, etl.DefaultTestFraction, etl.DefaultValFraction)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tr, train) || !slices.Equal(va, val) || !slices.Equal(te, test) {
		t.Fatalf("SplitRows: %d/%d/%d rows, not the prepared splits", len(tr), len(va), len(te))
	}
	// No leakage: the latest train or validation time is <= the earliest test time.
	var latest int64
	for _, r := range slices.Concat(train, val) {
		latest = max(latest, r.Time)
	}
	if latest > test[0].Time || test[0].Time != m.TestCutoff {
		t.Fatalf("latest train/val %d, first test %d, cutoff %d", latest, test[0].Time, m.TestCutoff)
	}
	for _, s := range [][]ratings.Rating{train, val, test} {
		if !slices.IsSortedFunc(s, prepCompare) {
			t.Fatal("a split is not sorted by time, user, movie")
		}
	}
	// Per user, every validation rating is no earlier than the user's train ratings.
	lastTrain := map[int32]int64{}
	for _, r := range train {
		lastTrain[r.User] = max(lastTrain[r.User], r.Time)
	}
	for _, r := range val {
		lt, ok := lastTrain[r.User]
		if !ok {
			t.Fatalf("user %d has validation rows but no train row", r.User)
		}
		if r.Time < lt {
			t.Fatalf("user %d: validation rating at %d before a train rating at %d", r.User, r.Time, lt)
		}
	}
	// Cold start as the manifest says.
	unseen := 0
	for _, r := range test {
		if _, ok := lastTrain[r.User]; !ok {
			unseen++
		}
	}
	if unseen != m.ColdStart.TestRowsUserUnseen {
		t.Fatalf("test rows of users unseen in train: %d, manifest %d", unseen, m.ColdStart.TestRowsUserUnseen)
	}

	// The manifest meets its JSON Schema and its checksums are those of the objects.
	objs := prepSnapshot(t, b)
	mkey := layout.Prepared(m.Dataset, layout.ManifestName)
	if err := schemas.Validate(objs[mkey]); err != nil {
		t.Fatal(err)
	}
	if res.Written[len(res.Written)-1] != mkey {
		t.Fatalf("manifest not written last: %v", res.Written)
	}
	for key, sum := range m.Objects {
		if got := prepSHA(objs[key]); got != sum.SHA256 || int64(len(objs[key])) != sum.Size {
			t.Fatalf("%s: sha256 %s size %d, manifest %+v", key, got, len(objs[key]), sum)
		}
	}
	if !bytes.Equal(objs[layout.Raw(m.Dataset, "ml-latest-small.zip")], movielens.SmallZip) {
		t.Fatal("raw zip differs from the shipped bytes")
	}

	// A second run is a no-op; with the manifest gone it rewrites only the manifest,
	// byte for byte.
	again, err := etl.Prepare(ctx, b, etl.Options{Shipped: movielens.SmallZip})
	if err != nil || !again.Skipped || len(again.Written) != 0 {
		t.Fatalf("rerun: %v skipped=%v written=%v", err, again != nil && again.Skipped, again)
	}
	if err := b.Delete(ctx, mkey); err != nil {
		t.Fatal(err)
	}
	third, err := etl.Prepare(ctx, b, etl.Options{Shipped: movielens.SmallZip})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(third.Written, []string{mkey}) {
		t.Fatalf("rerun without manifest wrote %v, want only the manifest", third.Written)
	}
	after := prepSnapshot(t, b)
	if len(after) != len(objs) {
		t.Fatalf("%d objects after rerun, %d before", len(after), len(objs))
	}
	for k, v := range objs {
		if !bytes.Equal(after[k], v) {
			t.Fatalf("%s changed on rerun", k)
		}
	}
}

var prepSmallOnce = sync.OnceValues(func() (*blob.Mem, error) {
	b := blob.NewMem()
	_, err := etl.Prepare(context.Background(), b, etl.Options{Shipped: movielens.SmallZip})
	return b, err
})

// prepSmall is a bucket holding the shipped ml-latest-small prepared, shared by the
// tests that only read it.
func prepSmall(t *testing.T) (*blob.Mem, *etl.Prepared) {
	t.Helper()
	b, err := prepSmallOnce()
	if err != nil {
		t.Fatal(err)
	}
	m, err := etl.LoadPrepared(context.Background(), b, "ml-latest-small")
	if err != nil {
		t.Fatal(err)
	}
	return b, m
}

// TestTestDayOffsets reads each day with a ranged read and finds DayBounds' rows.
func TestTestDayOffsets(t *testing.T) {
	ctx := context.Background()
	b, m := prepSmall(t)
	test, err := etl.ReadSplit(ctx, b, m.Dataset, etl.SplitTest)
	if err != nil {
		t.Fatal(err)
	}
	if m.TestDayOffsets[0] != int64(len(ratings.Header)+1) || m.TestDayOffsets[etl.Days] != m.Splits.Test.Size {
		t.Fatalf("offsets %v, size %d", m.TestDayOffsets, m.Splits.Test.Size)
	}
	for d := 1; d <= etl.Days; d++ {
		off, n, err := m.TestDayRange(d)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := blob.GetRange(ctx, b, m.Splits.Test.Key, off, n)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ratings.ReadAll(strings.NewReader(ratings.Header+"\n"+prepReadString(t, rc)), "day")
		if err != nil {
			t.Fatal(err)
		}
		lo, hi := etl.DayBounds(d, len(test))
		if !slices.Equal(got, test[lo:hi]) {
			t.Fatalf("day %d: %d rows from the range, want rows [%d,%d)", d, len(got), lo, hi)
		}
	}
	if _, _, err := m.TestDayRange(0); err == nil {
		t.Fatal("day 0 accepted")
	}
}

func TestPrepareDiffersAndMissing(t *testing.T) {
	ctx := context.Background()
	b := blob.NewMem()
	if _, err := etl.LoadPrepared(ctx, b, "ml-latest-small"); !errors.Is(err, blob.ErrNotFound) || !strings.Contains(err.Error(), "prepared/ml-latest-small/_manifest.json") {
		t.Fatalf("LoadPrepared on an empty bucket: %v", err)
	}
	if _, err := etl.ReadSplit(ctx, b, "ml-latest-small", "dev"); !errors.Is(err, etl.ErrUnknownSplit) {
		t.Fatalf("ReadSplit(dev): %v", err)
	}
	if _, err := etl.Prepare(ctx, b, etl.Options{SourcePath: "testdata/tiny"}); err != nil {
		t.Fatal(err)
	}
	before := prepSnapshot(t, b)
	_, err := etl.Prepare(ctx, b, etl.Options{SourcePath: "testdata/tiny", TestFraction: 0.3})
	if !errors.Is(err, etl.ErrPreparedDiffers) {
		t.Fatalf("other rules over an existing dataset: %v, want ErrPreparedDiffers", err)
	}
	if after := prepSnapshot(t, b); len(after) != len(before) {
		t.Fatal("a refused run wrote objects")
	}
}

func TestPrepareOptionsErrors(t *testing.T) {
	tests := []struct {
		name string
		opts etl.Options
	}{
		{"test fraction 1", etl.Options{SourcePath: "testdata/tiny", TestFraction: 1}},
		{"val fraction 1", etl.Options{SourcePath: "testdata/tiny", ValFraction: 1}},
		{"synthetic with dataset", etl.Options{SyntheticRows: 100, Dataset: "ml-1m"}},
		{"bad dataset name", etl.Options{Dataset: "../x"}},
		{"negative rows", etl.Options{SyntheticRows: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := blob.NewMem()
			_, err := etl.Prepare(context.Background(), b, tt.opts)
			if !errors.Is(err, etl.ErrBadOptions) {
				t.Fatalf("err = %v, want ErrBadOptions", err)
			}
		})
	}
	_, err := etl.Prepare(context.Background(), blob.NewMem(), etl.Options{Dataset: "ml-100k"})
	if !errors.Is(err, etl.ErrUnknownDataset) {
		t.Fatalf("unknown dataset: %v", err)
	}
}

func TestPrepareSynthetic(t *testing.T) {
	ctx := context.Background()
	b := blob.NewMem()
	res, err := etl.Prepare(ctx, b, etl.Options{SyntheticRows: 5000})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Manifest
	if m.Dataset != "synthetic-5000" || !m.Synthetic || m.Source.Format != "synthetic" || m.Ratings != 5000 {
		t.Fatalf("manifest %s synthetic=%v format=%s ratings=%d", m.Dataset, m.Synthetic, m.Source.Format, m.Ratings)
	}
	if m.Splits.Test.Rows != 1000 || m.Splits.Train.MaxTime > m.TestCutoff || m.Splits.Val.MaxTime > m.TestCutoff {
		t.Fatalf("splits %+v cutoff %d", m.Splits, m.TestCutoff)
	}
	if err := schemas.Validate(prepSnapshot(t, b)[layout.Prepared(m.Dataset, layout.ManifestName)]); err != nil {
		t.Fatal(err)
	}
	other := blob.NewMem()
	if _, err := etl.Prepare(ctx, other, etl.Options{SyntheticRows: 5000}); err != nil {
		t.Fatal(err)
	}
	a, c := prepSnapshot(t, b), prepSnapshot(t, other)
	for k, v := range a {
		if !bytes.Equal(c[k], v) {
			t.Fatalf("%s differs between two runs", k)
		}
	}
}
