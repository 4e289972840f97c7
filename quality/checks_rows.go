package quality

import (
	"context"
	"fmt"
	"slices"

	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/ratings"
)

// Check names, one per result.
const (
	CheckIntegrity          = "integrity_batch_checksum"
	CheckCompleteness       = "completeness"
	CheckValidityIDs        = "validity_ids"
	CheckValidityRating     = "validity_rating"
	CheckValidityTimestamp  = "validity_timestamp"
	CheckUniqueDay          = "uniqueness_within_day"
	CheckUniqueEarlier      = "uniqueness_earlier_days"
	CheckUniqueTrain        = "uniqueness_train"
	CheckConsistencyStart   = "consistency_starts_after_previous_day"
	CheckConsistencyOrder   = "consistency_time_order"
	CheckConsistencyCatalog = "consistency_catalogue"
	CheckVolume             = "volume"
	CheckRejectedShare      = "rejected_share"
	CheckDriftPSI           = "drift_rating_psi"
	CheckDriftKS            = "drift_activity_ks"
	CheckUnseenUsers        = "unseen_users_share"
	CheckUnseenItems        = "unseen_items_share"
	AnomalyPrefix           = "anomaly_"
)

// shareResult is a check on the share of offending rows among n.
func shareResult(name string, rule ShareRule, t tally, n int, details map[string]any) Result {
	share := 0.0
	if n > 0 {
		share = float64(t.n) / float64(n)
	}
	if details == nil {
		details = map[string]any{}
	}
	details["offending_rows"] = t.n
	details["of_rows"] = n
	if len(t.lines) > 0 {
		details["example_lines"] = t.lines
	}
	return Result{Check: name, Severity: rule.Severity, Success: share <= rule.MaxShare,
		ObservedValue: round(share, 6), Threshold: rule.MaxShare, Details: details}
}

func (in *dayInput) integrity() Result {
	return Result{Check: CheckIntegrity, Severity: Error, Success: in.batchSHA256 == in.m.Batch.SHA256,
		ObservedValue: in.batchSHA256, Threshold: in.m.Batch.SHA256,
		Details: map[string]any{"key": in.m.Batch.Key, "manifest": layout.ETLManifest(layout.Day(in.day))}}
}

func (in *dayInput) completeness() Result {
	d := map[string]any{}
	if len(in.b.missingColumns) > 0 {
		d["missing_columns"] = in.b.missingColumns
	}
	return shareResult(CheckCompleteness, in.th.Completeness, in.b.incomplete, in.b.lines, d)
}

func (in *dayInput) validity() []Result {
	r := in.m.TimeRange
	return []Result{
		shareResult(CheckValidityIDs, in.th.Validity, in.b.badIDs, in.b.complete, map[string]any{"rule": "userId and movieId are positive integers"}),
		shareResult(CheckValidityRating, in.th.Validity, in.b.badRating, in.b.complete, map[string]any{"rule": "rating in 0.5..5.0 in half steps"}),
		shareResult(CheckValidityTimestamp, in.th.Validity, in.b.badTime, in.b.complete,
			map[string]any{"rule": "integer timestamp inside the manifest's time range", "declared_min": r.Min, "declared_max": r.Max}),
	}
}

type rowKey struct {
	u, i int32
	t    int64
}

func keyOf(r ratings.Rating) rowKey { return rowKey{r.User, r.Item, r.Time} }

func (in *dayInput) uniqueWithinDay() Result {
	var dup tally
	rows := in.b.rows
	if slices.IsSortedFunc(rows, func(a, b row) int { return cmpInt64(a.Time, b.Time) }) {
		// Time-sorted (the contract): a repeat shares its timestamp, so only rows
		// of the same second need comparing.
		for lo := 0; lo < len(rows); {
			hi := lo + 1
			for hi < len(rows) && rows[hi].Time == rows[lo].Time {
				hi++
			}
			if hi-lo > 32 {
				dupesByMap(rows[lo:hi], &dup)
			} else {
				for i := lo + 1; i < hi; i++ {
					for j := lo; j < i; j++ {
						if rows[j].User == rows[i].User && rows[j].Item == rows[i].Item {
							dup.add(rows[i].line)
							break
						}
					}
				}
			}
			lo = hi
		}
	} else {
		dupesByMap(rows, &dup)
	}
	return shareResult(CheckUniqueDay, in.th.Uniqueness, dup, len(rows), map[string]any{"key": "userId, movieId, timestamp"})
}

func dupesByMap(rows []row, dup *tally) {
	seen := make(map[rowKey]struct{}, len(rows))
	for _, r := range rows {
		k := keyOf(r.Rating)
		if _, ok := seen[k]; ok {
			dup.add(r.line)
			continue
		}
		seen[k] = struct{}{}
	}
}

// uniqueEarlier reads only the earlier days whose time range holds a timestamp of
// this day's rows: only those can share a (user, item, timestamp).
func (c *Checker) uniqueEarlier(ctx context.Context, in *dayInput) (Result, error) {
	times := in.sortedTimes()
	var dup tally
	read := []int{}
	for _, e := range in.earlier {
		if e.Rows == 0 || !anyIn(times, e.TimeRange.Min, e.TimeRange.Max) {
			continue
		}
		keys := in.keysIn(e.TimeRange.Min, e.TimeRange.Max)
		hit := map[int]bool{}
		err := c.scanRatings(ctx, e.Batch.Key, func(r ratings.Rating) {
			for _, line := range keys[keyOf(r)] {
				hit[line] = true
			}
		})
		if err != nil {
			return Result{}, err
		}
		read = append(read, e.Day)
		for _, line := range sortedLines(hit) {
			dup.add(line)
		}
	}
	return shareResult(CheckUniqueEarlier, in.th.Uniqueness, dup, len(in.b.rows),
		map[string]any{"earlier_days": len(in.earlier), "days_read": read}), nil
}

// uniqueTrain: a row can repeat a train row only if it is not after train's last
// second. Rows at that second are checked against the profile's boundary rows;
// train is read only when a row is earlier still (never, on a sound split).
func (c *Checker) uniqueTrain(ctx context.Context, in *dayInput) (Result, error) {
	var dup tally
	atMax := map[BoundaryRow]bool{}
	for _, br := range in.prof.Boundary {
		atMax[br] = true
	}
	early := in.keysIn(in.prof.MinTime, in.prof.MaxTime-1)
	hit := map[int]bool{}
	for _, r := range in.b.rows {
		if r.Time == in.prof.MaxTime && atMax[BoundaryRow{r.User, r.Item}] {
			hit[r.line] = true
		}
	}
	if len(early) > 0 {
		err := c.scanRatings(ctx, in.prof.TrainKey, func(r ratings.Rating) {
			for _, line := range early[keyOf(r)] {
				hit[line] = true
			}
		})
		if err != nil {
			return Result{}, err
		}
	}
	for _, line := range sortedLines(hit) {
		dup.add(line)
	}
	d := map[string]any{"train_max_time": in.prof.MaxTime, "rows_before_train_end": len(early), "train_read": len(early) > 0}
	return shareResult(CheckUniqueTrain, in.th.Uniqueness, dup, len(in.b.rows), d), nil
}

// consistencyStart: no row before the end of the previous released day (day 1, or
// no earlier day released: the end of train and validation).
func (in *dayInput) consistencyStart() Result {
	prevEnd, prev := max(in.src.Splits.Train.MaxTime, in.src.Splits.Val.MaxTime), "train and validation"
	if n := len(in.earlier); n > 0 && in.earlier[n-1].Rows > 0 {
		prevEnd, prev = in.earlier[n-1].TimeRange.Max, fmt.Sprintf("day %d", in.earlier[n-1].Day)
	}
	var before tally
	for _, r := range in.b.rows {
		if r.Time < prevEnd {
			before.add(r.line)
		}
	}
	d := map[string]any{"previous": prev, "previous_end": prevEnd}
	if len(in.b.rows) > 0 {
		d["day_start"] = slices.MinFunc(in.b.rows, func(a, b row) int { return cmpInt64(a.Time, b.Time) }).Time
	}
	return shareResult(CheckConsistencyStart, in.th.Consistency, before, len(in.b.rows), d)
}

func (in *dayInput) consistencyOrder() Result {
	var back tally
	for i := 1; i < len(in.b.rows); i++ {
		if in.b.rows[i].Time < in.b.rows[i-1].Time {
			back.add(in.b.rows[i].line)
		}
	}
	return shareResult(CheckConsistencyOrder, in.th.Consistency, back, len(in.b.rows), map[string]any{"rule": "rows in time order"})
}

func (in *dayInput) consistencyCatalogue() Result {
	var miss tally
	known := map[int32]bool{}
	for _, r := range in.b.rows {
		ok, seen := known[r.Item]
		if !seen {
			ok = has(in.prof.Catalogue, r.Item)
			known[r.Item] = ok
		}
		if !ok {
			miss.add(r.line)
		}
	}
	return shareResult(CheckConsistencyCatalog, in.th.Consistency, miss, len(in.b.rows),
		map[string]any{"catalogue": in.prof.ItemsKey, "catalogue_items": len(in.prof.Catalogue)})
}

func (in *dayInput) volume() Result {
	got := in.b.lines + in.m.Rejected
	dev := got - in.m.PlannedRows
	return Result{Check: CheckVolume, Severity: in.th.Volume.Severity, Success: max(dev, -dev) <= in.th.Volume.MaxDeviationRows,
		ObservedValue: got, Threshold: in.m.PlannedRows,
		Details: map[string]any{"batch_rows": in.b.lines, "rejected_rows": in.m.Rejected, "planned_rows": in.m.PlannedRows,
			"max_deviation_rows": in.th.Volume.MaxDeviationRows, "test_rows": [2]int{in.m.Source.RowLo, in.m.Source.RowHi}}}
}

func (in *dayInput) rejectedShare() Result {
	return shareResult(CheckRejectedShare, in.th.RejectedShare, tally{n: in.m.Rejected}, in.m.PlannedRows,
		map[string]any{"reasons": in.m.RejectReasons, "rejected_key": in.m.RejectedRows.Key})
}

// sortedTimes returns the day's timestamps, sorted.
func (in *dayInput) sortedTimes() []int64 {
	t := make([]int64, len(in.b.rows))
	for i, r := range in.b.rows {
		t[i] = r.Time
	}
	slices.Sort(t)
	return t
}

// keysIn indexes the day's rows with a timestamp in [lo, hi] by key → line numbers.
func (in *dayInput) keysIn(lo, hi int64) map[rowKey][]int {
	out := map[rowKey][]int{}
	for _, r := range in.b.rows {
		if r.Time >= lo && r.Time <= hi {
			k := keyOf(r.Rating)
			out[k] = append(out[k], r.line)
		}
	}
	return out
}

func anyIn(sorted []int64, lo, hi int64) bool {
	i, _ := slices.BinarySearch(sorted, lo)
	return i < len(sorted) && sorted[i] <= hi
}

func sortedLines(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for l := range m {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// scanRatings streams a ratings CSV (an earlier day's batch, or train). Rows that
// do not parse are skipped: they cannot repeat a valid row here, and they are the
// business of that day's own report.
func (c *Checker) scanRatings(ctx context.Context, key string, fn func(ratings.Rating)) error {
	rc, err := c.Bucket.Get(ctx, key)
	if err != nil {
		return err
	}
	defer rc.Close()
	return ratings.Scan(rc, key, func(r ratings.Rating, bad *ratings.LineError) error {
		if bad == nil {
			fn(r)
		}
		return nil
	})
}
