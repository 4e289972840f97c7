package etl_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/etl/releasetest"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/internal/schemas"
)

// The -update flag rewrites the golden files under testdata/. It is registered only
// if another test file of the package has not done so already.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files under testdata/")
	}
}

func updateGolden() bool { f := flag.Lookup("update"); return f != nil && f.Value.String() == "true" }

const dayDS = "fixture"

// dayCounting is a bucket that counts committed writes.
type dayCounting struct {
	blob.Bucket
	mu   sync.Mutex
	puts []string
}

func (c *dayCounting) Put(ctx context.Context, key string, r io.Reader, o blob.PutOptions) (blob.Attrs, error) {
	a, err := c.Bucket.Put(ctx, key, r, o)
	if err == nil {
		c.mu.Lock()
		c.puts = append(c.puts, key)
		c.mu.Unlock()
	}
	return a, err
}

func (c *dayCounting) reset() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.puts
	c.puts = nil
	return p
}

func dayFixture(t testing.TB, testRows int, corrupt map[int]string) (*dayCounting, releasetest.Data) {
	t.Helper()
	d := releasetest.Synthetic(4*testRows, testRows/2, testRows, 7)
	d.Corrupt = corrupt
	b := &dayCounting{Bucket: blob.NewMem()}
	if _, err := releasetest.Write(context.Background(), b, dayDS, d); err != nil {
		t.Fatal(err)
	}
	b.reset()
	return b, d
}

func TestSimulateReleasesEveryRowOnce(t *testing.T) {
	ctx := context.Background()
	b, d := dayFixture(t, 1013, nil) // 1013 rows: days of 50 and 51 rows
	r := &etl.Releaser{Bucket: b, Dataset: dayDS}
	ms, err := r.Simulate(ctx, 25)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != etl.Days {
		t.Fatalf("released %d days, want %d", len(ms), etl.Days)
	}
	var all []ratings.Rating
	for i, m := range ms {
		if m.Day != i+1 {
			t.Fatalf("release %d is day %d", i, m.Day)
		}
		lo, hi := etl.DayBounds(m.Day, len(d.Test))
		if m.Rows != hi-lo || m.PlannedRows != hi-lo || m.Rejected != 0 {
			t.Fatalf("day %d: rows %d planned %d rejected %d, want %d", m.Day, m.Rows, m.PlannedRows, m.Rejected, hi-lo)
		}
		data, err := blob.ReadAll(ctx, b, m.Batch.Key)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := ratings.ReadAll(bytes.NewReader(data), m.Batch.Key)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, rows...)
		dayValidate(t, data)
		md, _ := blob.ReadAll(ctx, b, layout.ETLManifest(layout.Day(m.Day)))
		dayValidate(t, md)
	}
	if len(all) != len(d.Test) {
		t.Fatalf("20 days hold %d rows, the test split %d", len(all), len(d.Test))
	}
	for i := range all {
		if all[i] != d.Test[i] {
			t.Fatalf("row %d: released %+v, test split %+v", i, all[i], d.Test[i])
		}
	}
	st := dayStatus(t, b)
	if st.DaysReleased != etl.Days || st.CompletionPct != 100 || st.RecordsRemaining != 0 || st.NextDay != 0 || st.RecordsProcessed != len(d.Test) {
		t.Fatalf("status after 20 days: %+v", st)
	}

	// A second simulation, a rerun of a day, and the next day all write nothing.
	b.reset()
	if ms, err := r.Simulate(ctx, 20); err != nil || len(ms) != 0 {
		t.Fatalf("second simulation: %d days, %v", len(ms), err)
	}
	if _, out, err := r.Release(ctx, 7); err != nil || out != etl.Unchanged {
		t.Fatalf("rerun day 7: %v %v", out, err)
	}
	if _, _, err := r.Next(ctx); !errors.Is(err, etl.ErrAllReleased) {
		t.Fatalf("next after day 20: %v, want ErrAllReleased", err)
	}
	if _, _, err := r.Release(ctx, 21); !errors.Is(err, etl.ErrAllReleased) {
		t.Fatalf("day 21: %v, want ErrAllReleased", err)
	}
	if p := b.reset(); len(p) != 0 {
		t.Fatalf("reruns wrote %v", p)
	}
}

func TestDayManifestGolden(t *testing.T) {
	ctx := context.Background()
	b, _ := dayFixture(t, 400, nil)
	m, out, err := (&etl.Releaser{Bucket: b, Dataset: dayDS}).Release(ctx, 3)
	if err != nil || out != etl.Released {
		t.Fatalf("%v %v", out, err)
	}
	if m.Timings.TotalMS <= 0 || m.Timings.RowsPerSec <= 0 {
		t.Fatalf("timings not measured: %+v", m.Timings)
	}
	m.Timings = etl.DayTimings{} // measurements, not derived data
	got, _ := blob.MarshalJSON(m)
	dayGolden(t, "day_manifest.golden.json", got)
	st, _ := blob.ReadAll(ctx, b, layout.ETLStatus)
	dayValidate(t, st)
	if s := dayStatus(t, b); s.DaysDone[0] != 3 || s.NextDay != 1 || s.CurrentDay != 3 || s.RecordsProcessed != 20 || s.RecordsRemaining != 380 {
		t.Fatalf("status after day 3: %+v", s)
	}
}

func TestConcurrentReleaseOfOneDay(t *testing.T) {
	ctx := context.Background()
	b, _ := dayFixture(t, 400, nil)
	// Both runs reach the manifest commit before either writes it.
	gate := &dayBarrier{Bucket: b, key: layout.ETLManifest(layout.Day(5)), n: 2}
	gate.cond = sync.NewCond(&gate.mu)
	var wg sync.WaitGroup
	outs := make([]etl.Outcome, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, outs[i], errs[i] = (&etl.Releaser{Bucket: gate, Dataset: dayDS}).Release(ctx, 5)
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("errors: %v, %v", errs[0], errs[1])
	}
	got := map[etl.Outcome]int{outs[0]: 1}
	got[outs[1]]++
	if got[etl.Released] != 1 || got[etl.LostRace] != 1 {
		t.Fatalf("outcomes %v, want one released and one lost race", outs)
	}
	n := 0
	for _, k := range b.reset() {
		if k == layout.ETLManifest(layout.Day(5)) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("manifest committed %d times", n)
	}
}

// dayBarrier holds every Put of key until n of them are waiting.
type dayBarrier struct {
	blob.Bucket
	key     string
	n       int
	mu      sync.Mutex
	cond    *sync.Cond
	waiting int
}

func (g *dayBarrier) Put(ctx context.Context, key string, r io.Reader, o blob.PutOptions) (blob.Attrs, error) {
	if key == g.key {
		g.mu.Lock()
		g.waiting++
		g.cond.Broadcast()
		for g.waiting < g.n {
			g.cond.Wait()
		}
		g.mu.Unlock()
	}
	return g.Bucket.Put(ctx, key, r, o)
}

func TestMissingPreparedDataset(t *testing.T) {
	b := &dayCounting{Bucket: blob.NewMem()}
	_, _, err := (&etl.Releaser{Bucket: b, Dataset: "ml-latest-small"}).Release(context.Background(), 1)
	if !errors.Is(err, etl.ErrNoPrepared) || !strings.Contains(err.Error(), "prepared/ml-latest-small/_manifest.json") {
		t.Fatalf("err = %v, want ErrNoPrepared naming the key", err)
	}
	if p := b.reset(); len(p) != 0 {
		t.Fatalf("wrote %v", p)
	}
}

func TestCorruptTestObject(t *testing.T) {
	ctx := context.Background()
	// Day 2 of 400 rows is rows 20..39.
	base := releasetest.Synthetic(1600, 200, 400, 7).Test
	r := base[25]
	corrupt := map[int]string{
		21: "abc," + strings.SplitN(releasetest.Line(base[21]), ",", 2)[1],
		23: strings.Replace(releasetest.Line(base[23]), ",", ",,", 1),
		25: strings.Join([]string{dayItoa(r.User), dayItoa(r.Item), "9.0", dayItoa64(r.Time)}, ","),
		27: strings.Join([]string{dayItoa(base[27].User), dayItoa(base[27].Item), "4.0"}, ","),
		29: strings.Join([]string{dayItoa(base[29].User), dayItoa(base[29].Item), "4.0", "noon"}, ","),
		31: strings.Join([]string{dayItoa(base[31].User), dayItoa(base[31].Item), "4.0", "42"}, ","),
		33: strings.Join([]string{dayItoa(base[33].User), dayItoa(base[33].Item), "four", dayItoa64(base[33].Time)}, ","),
	}
	tests := []struct {
		name     string
		max      *float64
		wantErr  error
		manifest bool
	}{
		{"default threshold fails the day", nil, etl.ErrTooManyRejected, false},
		{"raised threshold releases the day", share(0.5), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := dayFixture(t, 400, corrupt)
			m, _, err := (&etl.Releaser{Bucket: b, Dataset: dayDS, MaxRejectedShare: tt.max}).Release(ctx, 2)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			const reasons = "2 wrong field count, 1 bad userId, 1 rating is not a number, 1 rating off the 0.5-5.0 half-step scale, 1 timestamp is not an integer, 1 timestamp outside the test period"
			if err != nil && !strings.Contains(err.Error(), reasons) {
				t.Errorf("error %q does not list the reasons as %q", err, reasons)
			}
			if ok, _ := blob.Exists(ctx, b, layout.ETLManifest(layout.Day(2))); ok != tt.manifest {
				t.Fatalf("manifest committed = %v, want %v", ok, tt.manifest)
			}
			rej, err := blob.ReadAll(ctx, b, layout.Rejected(layout.Day(2)))
			if err != nil {
				t.Fatal(err)
			}
			dayGolden(t, "day_rejected.golden.csv", rej)
			if m != nil && (m.Rejected != 7 || m.Rows != 13 || m.RejectReasons["rating off the 0.5-5.0 half-step scale"] != 1 ||
				m.RejectReasons["rating is not a number"] != 1 ||
				m.RejectReasons["timestamp outside the test period"] != 1 || m.RejectReasons["wrong field count"] != 2) {
				t.Fatalf("manifest counts: rows %d rejected %d reasons %v", m.Rows, m.Rejected, m.RejectReasons)
			}
		})
	}
}

func TestChangedTestObjectIsAnError(t *testing.T) {
	ctx := context.Background()
	b, _ := dayFixture(t, 400, nil)
	key := layout.Prepared(dayDS, "test.csv")
	data, _ := blob.ReadAll(ctx, b, key)
	blob.PutBytes(ctx, b, key, append(data, "1,2,3.0,4\n"...), blob.PutOptions{})
	_, _, err := (&etl.Releaser{Bucket: b, Dataset: dayDS}).Release(ctx, 1)
	if err == nil || !strings.Contains(err.Error(), key) {
		t.Fatalf("err = %v, want an error naming %s", err, key)
	}
}

func TestReleaseFromOtherDataIsAConflict(t *testing.T) {
	ctx := context.Background()
	b, _ := dayFixture(t, 400, nil)
	r := &etl.Releaser{Bucket: b, Dataset: dayDS}
	if _, _, err := r.Release(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := releasetest.Write(ctx, b, dayDS, releasetest.Synthetic(1600, 200, 400, 8)); err != nil {
		t.Fatal(err)
	}
	for _, d := range []int{1, 2} {
		if _, _, err := r.Release(ctx, d); !errors.Is(err, etl.ErrConflict) {
			t.Fatalf("day %d after a new prepare: %v, want ErrConflict", d, err)
		}
	}
}

func dayStatus(t *testing.T, b blob.Bucket) etl.Status {
	t.Helper()
	var s etl.Status
	if err := blob.ReadJSON(context.Background(), b, layout.ETLStatus, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// dayValidate checks a JSON document against its schema; other content is ignored.
func dayValidate(t *testing.T, doc []byte) {
	t.Helper()
	if len(doc) == 0 || doc[0] != '{' {
		return
	}
	if err := schemas.Validate(doc); err != nil {
		t.Fatalf("schema: %v\n%s", err, doc)
	}
}

func dayGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if updateGolden() {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the dayGolden file:\n got: %s\nwant: %s", name, got, want)
	}
	dayValidate(t, got)
}

func share(v float64) *float64 { return &v }

// A threshold of zero allows no rejected row (it is not the default): one bad row of
// day 3's 120 (0.8%) passes the default 1% and 10%, and fails at 0; a clean day passes
// at 0.
func TestMaxRejectedZeroMeansNone(t *testing.T) {
	ctx := context.Background()
	base := releasetest.Synthetic(4*2400, 1200, 2400, 7).Test
	corrupt := map[int]string{245: "abc," + strings.SplitN(releasetest.Line(base[245]), ",", 2)[1]} // day 3 is rows 240..359
	tests := []struct {
		day      int
		max      *float64
		wantErr  error
		rejected int
	}{
		{1, share(0), nil, 0},
		{3, nil, nil, 1},
		{3, share(0.1), nil, 1},
		{3, share(0), etl.ErrTooManyRejected, 1},
	}
	for _, tt := range tests {
		b, _ := dayFixture(t, 2400, corrupt)
		m, _, err := (&etl.Releaser{Bucket: b, Dataset: dayDS, MaxRejectedShare: tt.max}).Release(ctx, tt.day)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("day %d at %v: err = %v, want %v", tt.day, tt.max, err, tt.wantErr)
		}
		if err == nil && m.Rejected != tt.rejected {
			t.Errorf("day %d at %v: %d rejected, want %d", tt.day, tt.max, m.Rejected, tt.rejected)
		}
	}
}
