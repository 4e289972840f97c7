package blobtest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
)

// Options tune the suite for slow backends.
type Options struct {
	// Racers is how many goroutines race a conditional write on one key (default 32).
	Racers int
	// LargeSize is the size of the object overwritten under readers (default 1 MiB).
	LargeSize int
	// Overwrites is how many times it is rewritten while readers read (default 20).
	Overwrites int
}

func (o Options) withDefaults() Options {
	if o.Racers <= 0 {
		o.Racers = 32
	}
	if o.LargeSize <= 0 {
		o.LargeSize = 1 << 20
	}
	if o.Overwrites <= 0 {
		o.Overwrites = 20
	}
	return o
}

// Run runs the conformance suite with default options; newBucket must return an empty bucket
// (it is called once per subtest and should register its own cleanup).
func Run(t *testing.T, newBucket func(t *testing.T) blob.Bucket) {
	RunWith(t, newBucket, Options{})
}

// RunWith runs the conformance suite with opts.
func RunWith(t *testing.T, newBucket func(t *testing.T) blob.Bucket, opts Options) {
	opts = opts.withDefaults()
	cases := []struct {
		name string
		fn   func(t *testing.T, b blob.Bucket)
	}{
		{"PutGetStat", testPutGetStat},
		{"NotFound", testNotFound},
		{"Overwrite", testOverwrite},
		{"PutIfAbsent", testPutIfAbsent},
		{"RacePutIfAbsent", func(t *testing.T, b blob.Bucket) { testRacePutIfAbsent(t, b, opts.Racers) }},
		{"ReadsDuringOverwrites", func(t *testing.T, b blob.Bucket) { testReadsDuringOverwrites(t, b, opts) }},
		{"InvalidKeys", testInvalidKeys},
		{"ETag", testETag},
		{"List", testList},
		{"Delete", testDelete},
		{"StreamingPut", testStreamingPut},
		{"GetRange", testGetRange},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, newBucket(t)) })
	}
}

func put(t *testing.T, b blob.Bucket, key, data string) blob.Attrs {
	t.Helper()
	a, err := blob.PutBytes(t.Context(), b, key, []byte(data), blob.PutOptions{})
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	return a
}

func read(t *testing.T, b blob.Bucket, key string) string {
	t.Helper()
	data, err := blob.ReadAll(t.Context(), b, key)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return string(data)
}

func testPutGetStat(t *testing.T, b blob.Bucket) {
	ctx := t.Context()
	for _, tc := range []struct{ key, data string }{
		{"a.txt", "hello"},
		{"dir/sub/b.csv", "userId,movieId,rating,timestamp\n1,2,3.5,4\n"},
		{"etl/day=01/_manifest.json", `{"schema":"x/v1"}`},
		{"empty", ""},
		{"spaces and ünïcode/k +%.txt", "odd key"},
	} {
		a := put(t, b, tc.key, tc.data)
		if a.Key != tc.key || a.Size != int64(len(tc.data)) || a.ETag != blob.ETagOf([]byte(tc.data)) {
			t.Errorf("put %q returned %+v, want key, size %d, etag %s", tc.key, a, len(tc.data), blob.ETagOf([]byte(tc.data)))
		}
		if got := read(t, b, tc.key); got != tc.data {
			t.Errorf("get %q = %q, want %q", tc.key, got, tc.data)
		}
		st, err := b.Stat(ctx, tc.key)
		if err != nil {
			t.Fatalf("stat %q: %v", tc.key, err)
		}
		if st.Key != tc.key || st.Size != a.Size || st.ETag != a.ETag || st.ModTime.IsZero() {
			t.Errorf("stat %q = %+v, put returned %+v", tc.key, st, a)
		}
	}
	if b.URL() == "" {
		t.Error("URL() is empty")
	}
}

func testNotFound(t *testing.T, b blob.Bucket) {
	ctx := t.Context()
	put(t, b, "present/x", "x")
	for _, key := range []string{"missing", "present/missing", "present/x/under-a-file", "nodir/x"} {
		if _, err := b.Get(ctx, key); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("get %q: err = %v, want ErrNotFound", key, err)
		}
		if _, err := b.Stat(ctx, key); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("stat %q: err = %v, want ErrNotFound", key, err)
		}
		if _, err := blob.GetRange(ctx, b, key, 0, 1); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("get range %q: err = %v, want ErrNotFound", key, err)
		}
		if err := b.Delete(ctx, key); err != nil {
			t.Errorf("delete missing %q: %v", key, err)
		}
	}
	// A "folder" of other objects is not an object.
	if _, err := b.Stat(ctx, "present"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("stat of a key prefix: err = %v, want ErrNotFound", err)
	}
}

func testOverwrite(t *testing.T, b blob.Bucket) {
	put(t, b, "k", "first, longer content")
	a := put(t, b, "k", "second")
	if got := read(t, b, "k"); got != "second" {
		t.Fatalf("after overwrite get = %q", got)
	}
	st, err := b.Stat(t.Context(), "k")
	if err != nil || st.Size != 6 || st.ETag != a.ETag {
		t.Fatalf("after overwrite stat = %+v, %v; want size 6, etag %s", st, err, a.ETag)
	}
}

func testPutIfAbsent(t *testing.T, b blob.Bucket) {
	ctx := t.Context()
	a, err := blob.PutBytes(ctx, b, "once", []byte("first"), blob.PutOptions{IfAbsent: true})
	if err != nil {
		t.Fatalf("first conditional put: %v", err)
	}
	if a.ETag != blob.ETagOf([]byte("first")) {
		t.Errorf("conditional put etag = %s", a.ETag)
	}
	_, err = blob.PutBytes(ctx, b, "once", []byte("second"), blob.PutOptions{IfAbsent: true})
	if !errors.Is(err, blob.ErrExists) {
		t.Fatalf("second conditional put: err = %v, want ErrExists", err)
	}
	if got := read(t, b, "once"); got != "first" {
		t.Errorf("the losing write changed the object: %q", got)
	}
	if err := b.Delete(ctx, "once"); err != nil {
		t.Fatal(err)
	}
	if _, err := blob.PutBytes(ctx, b, "once", []byte("third"), blob.PutOptions{IfAbsent: true}); err != nil {
		t.Errorf("conditional put after delete: %v", err)
	}
}

func testRacePutIfAbsent(t *testing.T, b blob.Bucket, racers int) {
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make([]error, racers)
	start := make(chan struct{})
	for i := range racers {
		wg.Go(func() {
			<-start
			_, errs[i] = blob.PutBytes(ctx, b, "race/lock", []byte(fmt.Sprintf("racer %02d", i)), blob.PutOptions{IfAbsent: true})
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("racers %d and %d both won", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, blob.ErrExists):
			t.Errorf("racer %d: err = %v, want ErrExists", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no racer won")
	}
	if got, want := read(t, b, "race/lock"), fmt.Sprintf("racer %02d", winner); got != want {
		t.Errorf("stored %q, but the winner was %q", got, want)
	}
}

// testReadsDuringOverwrites rewrites a large object with two contents of different sizes
// while readers read it: every read must see one whole version.
func testReadsDuringOverwrites(t *testing.T, b blob.Bucket, o Options) {
	ctx := t.Context()
	versions := [][]byte{bytes.Repeat([]byte("A"), o.LargeSize), bytes.Repeat([]byte("b"), o.LargeSize+o.LargeSize/3)}
	if _, err := blob.PutBytes(ctx, b, "big", versions[0], blob.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	reads := 0
	for range 3 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				data, err := blob.ReadAll(ctx, b, "big")
				if err != nil {
					t.Errorf("read during overwrite: %v", err)
					return
				}
				if !bytes.Equal(data, versions[0]) && !bytes.Equal(data, versions[1]) {
					t.Errorf("read a mixed or partial object: %d bytes", len(data))
					return
				}
				mu.Lock()
				reads++
				mu.Unlock()
			}
		})
	}
	for i := range o.Overwrites {
		if _, err := blob.PutBytes(ctx, b, "big", versions[(i+1)%2], blob.PutOptions{}); err != nil {
			t.Errorf("overwrite %d: %v", i, err)
			break
		}
	}
	close(done)
	wg.Wait()
	if reads == 0 {
		t.Error("no read completed during the overwrites")
	}
}

func testInvalidKeys(t *testing.T, b blob.Bucket) {
	ctx := t.Context()
	for _, key := range []string{"", "../x", "/abs", "a/../../b", "a//b", "a/./b", "..", "a/..", `a\b`, "a/", "nul\x00"} {
		if _, err := blob.PutBytes(ctx, b, key, []byte("x"), blob.PutOptions{}); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("put %q: err = %v, want ErrInvalidKey", key, err)
		}
		if _, err := b.Get(ctx, key); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("get %q: err = %v, want ErrInvalidKey", key, err)
		}
		if _, err := b.Stat(ctx, key); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("stat %q: err = %v, want ErrInvalidKey", key, err)
		}
		if err := b.Delete(ctx, key); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("delete %q: err = %v, want ErrInvalidKey", key, err)
		}
	}
}

func testETag(t *testing.T, b blob.Bucket) {
	ctx := t.Context()
	for i, data := range [][]byte{nil, []byte("x"), bytes.Repeat([]byte{0, 1, 2, 255}, 100_000)} {
		key := fmt.Sprintf("etag/%d", i)
		a, err := blob.PutBytes(ctx, b, key, data, blob.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		st, err := b.Stat(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		ls, err := b.List(ctx, key)
		if err != nil || len(ls) != 1 {
			t.Fatalf("list %s = %v, %v", key, ls, err)
		}
		want := blob.ETagOf(data)
		if a.ETag != want || st.ETag != want || ls[0].ETag != want {
			t.Errorf("%s: etag put %s, stat %s, list %s; want %s", key, a.ETag, st.ETag, ls[0].ETag, want)
		}
	}
	// PutIfChanged rewrites nothing when the content is the same.
	if _, wrote, err := blob.PutIfChanged(ctx, b, "etag/1", []byte("x")); err != nil || wrote {
		t.Errorf("PutIfChanged on identical content: wrote=%v err=%v", wrote, err)
	}
	if _, wrote, err := blob.PutIfChanged(ctx, b, "etag/1", []byte("y")); err != nil || !wrote {
		t.Errorf("PutIfChanged on new content: wrote=%v err=%v", wrote, err)
	}
}

func testList(t *testing.T, b blob.Bucket) {
	ctx := t.Context()
	keys := []string{"a-c", "a.b", "ab", "a/b/c", "a/bc", "b/x", "etl/day=01/batch.csv", "etl/day=01/_manifest.json", "etl/day=02/batch.csv", "etl/day=10/batch.csv", "etl/status.json"}
	for _, k := range keys {
		put(t, b, k, "v:"+k)
	}
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"", []string{"a-c", "a.b", "a/b/c", "a/bc", "ab", "b/x", "etl/day=01/_manifest.json", "etl/day=01/batch.csv", "etl/day=02/batch.csv", "etl/day=10/batch.csv", "etl/status.json"}},
		{"a", []string{"a-c", "a.b", "a/b/c", "a/bc", "ab"}},
		{"a/", []string{"a/b/c", "a/bc"}},
		{"a/b", []string{"a/b/c", "a/bc"}},
		{"a/b/", []string{"a/b/c"}},
		{"etl/day=0", []string{"etl/day=01/_manifest.json", "etl/day=01/batch.csv", "etl/day=02/batch.csv"}},
		{"etl/day=01/", []string{"etl/day=01/_manifest.json", "etl/day=01/batch.csv"}},
		{"etl/day=1", []string{"etl/day=10/batch.csv"}},
		{"etl/s", []string{"etl/status.json"}},
		{"zzz", nil},
		{"nope/", nil},
		{"b/x/", nil},
	} {
		got, err := b.List(ctx, tc.prefix)
		if err != nil {
			t.Fatalf("list %q: %v", tc.prefix, err)
		}
		var gotKeys []string
		for _, a := range got {
			gotKeys = append(gotKeys, a.Key)
			if want := "v:" + a.Key; a.Size != int64(len(want)) || a.ETag != blob.ETagOf([]byte(want)) || a.ModTime.IsZero() {
				t.Errorf("list %q: attrs of %s = %+v", tc.prefix, a.Key, a)
			}
		}
		if !slices.Equal(gotKeys, tc.want) {
			t.Errorf("list %q = %q, want %q", tc.prefix, gotKeys, tc.want)
		}
	}
}

func testDelete(t *testing.T, b blob.Bucket) {
	ctx := t.Context()
	put(t, b, "d/one", "1")
	put(t, b, "d/two", "2")
	if err := b.Delete(ctx, "d/one"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Stat(ctx, "d/one"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("stat after delete: err = %v, want ErrNotFound", err)
	}
	if err := b.Delete(ctx, "d/one"); err != nil {
		t.Errorf("second delete: %v", err)
	}
	ls, err := b.List(ctx, "d/")
	if err != nil || len(ls) != 1 || ls[0].Key != "d/two" {
		t.Errorf("list after delete = %v, %v", ls, err)
	}
	if err := b.Delete(ctx, "d/two"); err != nil {
		t.Fatal(err)
	}
	if ls, err := b.List(ctx, ""); err != nil || len(ls) != 0 {
		t.Errorf("list of an emptied bucket = %v, %v", ls, err)
	}
	put(t, b, "d/again", "3") // the emptied "folder" is usable again
}

// testStreamingPut writes a body that cannot seek (as a download or a pipe would give).
func testStreamingPut(t *testing.T, b blob.Bucket) {
	const size = 3<<20 + 17
	var want bytes.Buffer
	for i := 0; want.Len() < size; i++ {
		fmt.Fprintf(&want, "%d,%d,4.5,%d\n", i, i*7, 1_000_000+i)
	}
	want.Truncate(size)
	a, err := b.Put(t.Context(), "stream.csv", io.MultiReader(strings.NewReader(""), bytes.NewReader(want.Bytes())), blob.PutOptions{ContentType: "text/csv"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Size != size || a.ETag != blob.ETagOf(want.Bytes()) {
		t.Errorf("streamed put attrs = %+v, want size %d etag %s", a, size, blob.ETagOf(want.Bytes()))
	}
	if got := read(t, b, "stream.csv"); got != want.String() {
		t.Errorf("streamed object differs: got %d bytes", len(got))
	}
}

func testGetRange(t *testing.T, b blob.Bucket) {
	const data = "0123456789abcdefghij"
	put(t, b, "r", data)
	for _, tc := range []struct {
		off, n int64
		want   string
	}{
		{0, 5, "01234"},
		{5, 5, "56789"},
		{10, -1, "abcdefghij"},
		{0, -1, data},
		{15, 100, "fghij"},
		{19, 1, "j"},
		{3, 0, ""},
		{20, -1, ""},
	} {
		rc, err := blob.GetRange(t.Context(), b, "r", tc.off, tc.n)
		if err != nil {
			t.Errorf("range (%d,%d): %v", tc.off, tc.n, err)
			continue
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(got) != tc.want {
			t.Errorf("range (%d,%d) = %q, %v; want %q", tc.off, tc.n, got, err, tc.want)
		}
	}
	if rc, err := blob.GetRange(t.Context(), b, "r", 25, 1); err == nil {
		got, _ := io.ReadAll(rc)
		rc.Close()
		t.Errorf("range beyond the end: got %q and no error", got)
	}
}
