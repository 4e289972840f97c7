package etl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/internal/schemas"
)

// PrepareResult is what a Prepare run did.
type PrepareResult struct {
	Manifest *Prepared
	Written  []string // keys this run wrote, manifest last; empty when nothing changed
	Skipped  bool     // already prepared from the same source with the same rules: nothing read or written
}

// Prepare makes prepared/<ds>/ from a MovieLens release or a synthetic dataset: it
// parses the release strictly (the first bad line stops it, naming file and line,
// before anything is written), splits it by time (docs/design.md §Data protocol), writes raw/<ds>/<file>,
// the three splits and items.csv, and prepared/<ds>/_manifest.json last. Every object
// is a pure function of the source and the fractions; a rerun rewrites nothing, and a
// manifest already made from the same source with the same rules makes it a no-op.
func Prepare(ctx context.Context, b blob.Bucket, opts Options) (*PrepareResult, error) {
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	ds, log := opts.Dataset, opts.Log.With("dataset", opts.Dataset)
	var rel *sourceRelease
	var src PreparedSource
	if opts.SyntheticRows > 0 {
		src = syntheticSource(opts.SyntheticRows, opts.Seed)
	} else {
		var err error
		if rel, err = resolveRelease(ctx, &opts); err != nil {
			return nil, err
		}
		defer rel.Close()
		src = rel.src
	}
	rule := SplitRule{TestFraction: opts.TestFraction, ValFraction: opts.ValFraction, Order: splitOrderText, Rounding: splitRoundingText}
	if old, err := alreadyPrepared(ctx, b, ds, src, rule); err != nil {
		return nil, err
	} else if old != nil {
		log.Info("already prepared from the same source with the same rules: nothing to do", "source_sha256", src.SHA256)
		return &PrepareResult{Manifest: old, Skipped: true}, nil
	}

	start := time.Now()
	var rows []ratings.Rating
	var items []Item
	if rel != nil {
		ml, err := readRelease(rel.fsys, rel.label)
		if err != nil {
			return nil, err
		}
		rows, items, src.Format, src.Files = ml.rows, ml.items, ml.format, ml.files
	} else {
		rows, items = generateSynthetic(opts.SyntheticRows, opts.Seed)
	}
	log.Info("read ratings", "rows", len(rows), "items", len(items), "elapsed", time.Since(start).Round(time.Millisecond))
	plan, err := planSplit(rows, opts.TestFraction, opts.ValFraction)
	if err != nil {
		return nil, err
	}
	log.Info("split", "train", plan.stats[0].Rows, "val", plan.stats[1].Rows, "test", plan.stats[2].Rows, "elapsed", time.Since(start).Round(time.Millisecond))

	m := &Prepared{
		Schema: PreparedManifest, Dataset: ds, Synthetic: opts.SyntheticRows > 0, Source: src,
		Ratings: len(rows), TestCutoff: rows[plan.cut].Time, BoundaryTies: plan.ties, Rules: plan.rule,
		ColdStart: plan.cold, TestDayOffsets: make([]int64, Days+1), Objects: map[string]ObjectSum{},
	}
	m.Splits.Train, m.Splits.Val, m.Splits.Test = plan.stats[0], plan.stats[1], plan.stats[2]
	m.Items = ItemsInfo{Key: layout.Prepared(ds, ItemsName), Rows: len(items), RatedWithoutTitle: ratedWithoutTitle(rows, items, plan.maxIDs[1])}

	written, err := writePrepared(ctx, b, m, plan, items, rel)
	if err != nil {
		return nil, err
	}
	mkey := layout.PreparedManifest(ds)
	doc, err := blob.MarshalJSON(m)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", mkey, err)
	}
	if err := schemas.Validate(doc); err != nil {
		return nil, fmt.Errorf("%s: %w", mkey, err)
	}
	wrote, err := commitManifest(ctx, b, m, doc)
	if err != nil {
		return nil, err
	}
	if wrote {
		written = append(written, mkey)
	}
	log.Info("prepared", "written", len(written), "elapsed", time.Since(start).Round(time.Millisecond))
	return &PrepareResult{Manifest: m, Written: written}, nil
}

// alreadyPrepared returns the manifest of ds when it was made from src with rule, nil
// when there is none, and an error wrapping ErrPreparedDiffers when it was made from
// something else: prepare never replaces a dataset that later stages may have used.
func alreadyPrepared(ctx context.Context, b blob.Bucket, ds string, src PreparedSource, rule SplitRule) (*Prepared, error) {
	old, err := LoadPrepared(ctx, b, ds)
	switch {
	case errors.Is(err, blob.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	case old.Source.SHA256 == src.SHA256 && old.Rules == rule:
		return old, nil
	}
	return nil, fmt.Errorf("%w: %s has source %s (sha256 %s), test %v, val %v; this run: %s (sha256 %s), test %v, val %v; delete prepared/%s/ to prepare it again",
		ErrPreparedDiffers, layout.PreparedManifest(ds), old.Source.Name, old.Source.SHA256, old.Rules.TestFraction, old.Rules.ValFraction,
		src.Name, src.SHA256, rule.TestFraction, rule.ValFraction, ds)
}

// commitManifest writes the manifest unless identical bytes are there, with a
// conditional write: a concurrent prepare that committed first wins, and this run
// fails unless that one had the same source and rules.
func commitManifest(ctx context.Context, b blob.Bucket, m *Prepared, doc []byte) (bool, error) {
	key := layout.PreparedManifest(m.Dataset)
	cur, err := b.Stat(ctx, key)
	if err == nil && cur.Size == int64(len(doc)) && cur.ETag == blob.ETagOf(doc) {
		return false, nil
	}
	_, err = blob.PutBytes(ctx, b, key, doc, blob.PutOptions{IfAbsent: true, ContentType: "application/json"})
	if !errors.Is(err, blob.ErrExists) {
		return err == nil, err
	}
	other, lerr := LoadPrepared(ctx, b, m.Dataset)
	if lerr != nil {
		return false, lerr
	}
	if other.Source.SHA256 != m.Source.SHA256 || other.Rules != m.Rules {
		return false, fmt.Errorf("%w: %s was committed by a concurrent run from %s (sha256 %s)", ErrPreparedDiffers, key, other.Source.Name, other.Source.SHA256)
	}
	return false, nil
}

// writePrepared writes the raw files, the splits and items.csv concurrently, fills
// their keys and checksums into m, and returns the keys it wrote (sorted).
func writePrepared(ctx context.Context, b blob.Bucket, m *Prepared, plan *splitPlan, items []Item, rel *sourceRelease) ([]string, error) {
	type job struct {
		key    string
		encode func(io.Writer) error
		done   func(ObjectSum)
	}
	ds := m.Dataset
	pre, test := plan.rows[:plan.cut], plan.rows[plan.cut:]
	splitDone := func(s *SplitStats, key string) func(ObjectSum) {
		return func(o ObjectSum) { s.Key, s.SHA256, s.Size = key, o.SHA256, o.Size }
	}
	jobs := []job{
		{layout.Prepared(ds, layout.TrainName), func(w io.Writer) error { return encodeRows(w, pre, func(i int) bool { return !plan.isVal(i) }) }, splitDone(&m.Splits.Train, layout.Prepared(ds, layout.TrainName))},
		{layout.Prepared(ds, layout.ValName), func(w io.Writer) error { return encodeRows(w, pre, plan.isVal) }, splitDone(&m.Splits.Val, layout.Prepared(ds, layout.ValName))},
		{layout.Prepared(ds, layout.TestName), func(w io.Writer) error { return encodeTest(w, test, m.TestDayOffsets) }, splitDone(&m.Splits.Test, layout.Prepared(ds, layout.TestName))},
		{m.Items.Key, func(w io.Writer) error { return encodeItems(w, items) }, func(o ObjectSum) { m.Items.SHA256, m.Items.Size = o.SHA256, o.Size }},
	}
	if rel != nil {
		for name, open := range rel.raw {
			jobs = append(jobs, job{layout.Raw(ds, name), func(w io.Writer) error {
				rc, err := open()
				if err != nil {
					return err
				}
				defer rc.Close()
				_, err = io.Copy(w, rc)
				return err
			}, func(ObjectSum) {}})
		}
	}
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		written []string
		errs    []error
	)
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sum, wrote, err := putStream(ctx, b, j.key, j.encode)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			j.done(sum)
			m.Objects[j.key] = sum
			if wrote {
				written = append(written, j.key)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	slices.Sort(written)
	return written, nil
}

// SyntheticDataset is the dataset name of --synthetic-rows n.
func SyntheticDataset(n int) string { return "synthetic-" + strconv.Itoa(n) }

func ratedWithoutTitle(rows []ratings.Rating, items []Item, maxItem int32) int {
	known := newIDCounter(maxItem)
	for _, it := range items {
		if it.ID <= maxItem {
			known.add(it.ID)
		}
	}
	seen := newIDCounter(maxItem)
	n := 0
	for _, r := range rows {
		if seen.add(r.Item) == 1 && known.get(r.Item) == 0 {
			n++
		}
	}
	return n
}
