package etl_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/ratings"
)

// -update rewrites the golden files under testdata/ (registered once per test binary).
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files under testdata/")
	}
}

func prepUpdate() bool { f := flag.Lookup("update"); return f != nil && f.Value.String() == "true" }

// TestPrepareGolden prepares the tiny CSV fixture and compares every prepared object
// with testdata/prepared-tiny/.
func TestPrepareGolden(t *testing.T) {
	ctx := context.Background()
	b := blob.NewMem()
	res, err := etl.Prepare(ctx, b, etl.Options{SourcePath: "testdata/tiny"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Manifest.Dataset != "tiny" || res.Manifest.Source.Format != "csv" {
		t.Fatalf("dataset %q format %q", res.Manifest.Dataset, res.Manifest.Source.Format)
	}
	for _, name := range []string{"train.csv", "val.csv", "test.csv", "items.csv", layout.ManifestName} {
		got, err := blob.ReadAll(ctx, b, layout.Prepared("tiny", name))
		if err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", "prepared-tiny", name)
		if prepUpdate() {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -run TestPrepareGolden -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s:\n%s", name, golden, got)
		}
	}
}

// TestDatMatchesCSV: the .dat fixture holds the tiny release in ml-1m's format
// (Latin-1 titles): it must prepare to the same splits and catalogue.
func TestDatMatchesCSV(t *testing.T) {
	ctx := context.Background()
	b := blob.NewMem()
	csvRes, err := etl.Prepare(ctx, b, etl.Options{SourcePath: "testdata/tiny"})
	if err != nil {
		t.Fatal(err)
	}
	datRes, err := etl.Prepare(ctx, b, etl.Options{SourcePath: "testdata/tiny-dat"})
	if err != nil {
		t.Fatal(err)
	}
	if datRes.Manifest.Source.Format != "dat" {
		t.Fatalf("format %q", datRes.Manifest.Source.Format)
	}
	for _, name := range []string{"train.csv", "val.csv", "test.csv", "items.csv"} {
		c, _ := blob.ReadAll(ctx, b, layout.Prepared("tiny", name))
		d, _ := blob.ReadAll(ctx, b, layout.Prepared("tiny-dat", name))
		if len(c) == 0 || !bytes.Equal(c, d) {
			t.Errorf("%s: csv and dat sources differ:\n%s\n---\n%s", name, c, d)
		}
	}
	if !strings.Contains(prepMustRead(t, b, layout.Prepared("tiny-dat", "items.csv")), "Amélie") {
		t.Error("Latin-1 title not converted to UTF-8")
	}
	if csvRes.Manifest.Items.RatedWithoutTitle != 1 {
		t.Errorf("rated_without_title = %d, want 1 (movie 12)", csvRes.Manifest.Items.RatedWithoutTitle)
	}
}

// TestBadInput: each malformed line stops prepare with an error naming file and
// line, and nothing is written.
func TestBadInput(t *testing.T) {
	csvRatings := "userId,movieId,rating,timestamp\n1,1,4.0,1000000100\n1,2,3.5,1000000200\n2,1,5,1000000300\n"
	datRatings := "1::1::4::1000000100\n1::2::3.5::1000000200\n2::1::5::1000000300\n"
	csvMovies := "movieId,title,genres\n1,A (1990),Drama\n2,B (1991),Comedy\n"
	datMovies := "1::A (1990)::Drama\n2::B (1991)::Comedy\n"
	tests := []struct {
		name, file, content string
		line                int
		sentinel            error
	}{
		{"csv field count", "ratings.csv", csvRatings + "3,1,4.0\n", 5, ratings.ErrFieldCount},
		{"csv user", "ratings.csv", csvRatings + "x,1,4.0,1000000400\n", 5, ratings.ErrUser},
		{"csv movie", "ratings.csv", "userId,movieId,rating,timestamp\n1,-2,4.0,1000000100\n", 2, ratings.ErrItem},
		{"csv rating off scale", "ratings.csv", csvRatings + "3,1,4.2,1000000400\n", 5, ratings.ErrRating},
		{"csv rating zero", "ratings.csv", csvRatings + "3,1,0,1000000400\n", 5, ratings.ErrRating},
		{"csv timestamp", "ratings.csv", csvRatings + "3,1,4.0,12.5\n", 5, ratings.ErrTimestamp},
		{"csv header", "ratings.csv", "user,movie,rating,time\n1,1,4.0,1000000100\n", 1, nil},
		{"dat field count", "ratings.dat", datRatings + "3::1::4\n", 4, ratings.ErrFieldCount},
		{"dat extra field", "ratings.dat", datRatings + "3::1::4::400::9\n", 4, ratings.ErrFieldCount},
		{"dat user", "ratings.dat", "a::1::4::1000000100\n", 1, ratings.ErrUser},
		{"dat rating", "ratings.dat", datRatings + "3::1::6::1000000400\n", 4, ratings.ErrRating},
		{"dat timestamp", "ratings.dat", datRatings + "3::1::4::soon\n", 4, ratings.ErrTimestamp},
		{"csv movie id", "movies.csv", csvMovies + "x,C (1992),Drama\n", 4, nil},
		{"csv movie quote", "movies.csv", csvMovies + "3,\"C (1992),Drama\n", 4, nil},
		{"dat movie fields", "movies.dat", datMovies + "3::C (1992)\n", 3, nil},
		{"csv rating not a number", "ratings.csv", csvRatings + "3,1,four,1000000400\n", 5, ratings.ErrRatingNaN},
		{"csv before 1995", "ratings.csv", csvRatings + "3,1,4.0,788918399\n", 5, etl.ErrImplausibleTime},
		{"csv in the future", "ratings.csv", csvRatings + "3,1,4.0,4102444800\n", 5, etl.ErrImplausibleTime},
		{"csv last record cut", "ratings.csv", csvRatings + "3,1,4.0,10", 5, ratings.ErrCut},
		{"csv last record cut in a field", "ratings.csv", csvRatings + "3,1,4", 5, ratings.ErrCut},
		{"dat last record cut", "ratings.dat", datRatings + "606::98243::3::136", 4, ratings.ErrCut},
		{"dat before 1995", "ratings.dat", datRatings + "606::98243::3::136\n", 4, etl.ErrImplausibleTime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			files := map[string]string{"ratings.csv": csvRatings, "movies.csv": csvMovies}
			if strings.HasSuffix(tt.file, ".dat") {
				files = map[string]string{"ratings.dat": datRatings, "movies.dat": datMovies}
			}
			files[tt.file] = tt.content
			for name, content := range files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			b := blob.NewMem()
			_, err := etl.Prepare(context.Background(), b, etl.Options{SourcePath: dir, Dataset: "bad"})
			var le *ratings.LineError
			if !errors.As(err, &le) {
				t.Fatalf("err = %v, want a *ratings.LineError", err)
			}
			if !strings.HasSuffix(le.File, tt.file) || le.Line != tt.line {
				t.Fatalf("error at %s:%d, want %s:%d (%v)", le.File, le.Line, tt.file, tt.line, err)
			}
			if !strings.Contains(err.Error(), tt.file+":") {
				t.Fatalf("message %q does not name file:line", err)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Fatalf("err = %v, want %v", err, tt.sentinel)
			}
			if list, _ := b.List(context.Background(), ""); len(list) != 0 {
				t.Fatalf("bad input wrote %d objects", len(list))
			}
		})
	}
}

func TestMissingFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "ratings.csv"), []byte("userId,movieId,rating,timestamp\n1,1,4.0,1\n"), 0o644)
	_, err := etl.Prepare(context.Background(), blob.NewMem(), etl.Options{SourcePath: dir})
	if !errors.Is(err, etl.ErrBadRelease) || !strings.Contains(err.Error(), "movies.csv") {
		t.Fatalf("no movies file: %v", err)
	}
	if _, err := etl.Prepare(context.Background(), blob.NewMem(), etl.Options{SourcePath: filepath.Join(dir, "nope.zip")}); err == nil {
		t.Fatal("missing source accepted")
	}
}

func prepMustRead(t *testing.T, b blob.Bucket, key string) string {
	t.Helper()
	data, err := blob.ReadAll(context.Background(), b, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestReadItems(t *testing.T) {
	ctx := context.Background()
	b := blob.NewMem()
	if _, err := etl.Prepare(ctx, b, etl.Options{SourcePath: "testdata/tiny-dat"}); err != nil {
		t.Fatal(err)
	}
	items, err := etl.ReadItems(ctx, b, "tiny-dat")
	if err != nil {
		t.Fatal(err)
	}
	want := etl.Item{ID: 4, Title: `"Great Performances" Cats (1998)`, Genres: "Musical"}
	if len(items) != 13 || items[3] != want || !strings.HasPrefix(items[1].Title, "Amélie") {
		t.Fatalf("%d items; items[3] = %+v, items[1] = %+v", len(items), items[3], items[1])
	}
	if _, err := etl.ReadItems(ctx, b, "nope"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("missing items: %v", err)
	}
}

// TestBadInputInZip: inside a zip, the error names zip, member and line.
func TestBadInputInZip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ml-bad.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, content := range map[string]string{
		"ml-bad/ratings.csv": "userId,movieId,rating,timestamp\n1,1,4.0,1000000100\n1,2,4.0,x\n",
		"ml-bad/movies.csv":  "movieId,title,genres\n1,A,Drama\n",
	} {
		w, _ := zw.Create(name)
		w.Write([]byte(content))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = etl.Prepare(context.Background(), blob.NewMem(), etl.Options{SourcePath: path})
	if !errors.Is(err, ratings.ErrTimestamp) || !strings.Contains(err.Error(), "ml-bad.zip/ml-bad/ratings.csv:3") {
		t.Fatalf("err = %v, want ErrTimestamp at ml-bad.zip/ml-bad/ratings.csv:3", err)
	}
}
