package workflows

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
)

// TestETLDailyTwoNights runs the etl-daily job's own steps (the same Make targets, in
// order) for two cron "nights" against the bucket named by RECPIPE_WORKFLOW_E2E_BUCKET,
// which must already hold the prepared data set and both models' champions (prepare and
// train-gpu have run), or, when it is unset, against a fresh bucket on the shared MinIO
// of make test that minioFixtureBucket prepares so. It then finds days 1 and 2 released,
// checked and evaluated, and day 3 not released. It writes bin/, logs/ and results/ in
// the repository root.
func TestETLDailyTwoNights(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	bucketURL := os.Getenv("RECPIPE_WORKFLOW_E2E_BUCKET")
	if bucketURL == "" {
		bucketURL = minioFixtureBucket(t) // skipped without the shared MinIO of make test
	}
	ctx := context.Background()
	w := load(t, "etl-daily.yml")
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	b, err := blob.Open(ctx, bucketURL)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	present := func(key string) bool {
		ok, err := blob.Exists(ctx, b, key)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	day := func(d int) []string {
		return []string{
			filepath.ToSlash(filepath.Join("etl", dayDir(d), "_manifest.json")),
			filepath.ToSlash(filepath.Join("quality", dayDir(d), "report.json")),
			filepath.ToSlash(filepath.Join("abtest", dayDir(d), "result.json")),
		}
	}
	if present(day(1)[0]) {
		t.Fatalf("%s already holds day 1: the test needs a bucket where no day is released", bucketURL)
	}
	values := map[string]string{ // a cron run: no inputs
		"BUCKET_URL": bucketURL, "AWS_REGION": os.Getenv("AWS_REGION"),
		"AWS_ACCESS_KEY_ID": os.Getenv("AWS_ACCESS_KEY_ID"), "AWS_SECRET_ACCESS_KEY": os.Getenv("AWS_SECRET_ACCESS_KEY"),
		"AWS_SESSION_TOKEN": os.Getenv("AWS_SESSION_TOKEN"),
	}
	for night := 1; night <= 2; night++ {
		err := RunJob(ctx, w, "etl", RunOptions{Dir: root, Values: values, Stdout: testWriter{t}, Stderr: testWriter{t}})
		if err != nil {
			t.Fatalf("night %d: %v", night, err)
		}
		for d := 1; d <= night; d++ {
			for _, key := range day(d) {
				if !present(key) {
					t.Errorf("after night %d: %s is missing", night, key)
				}
			}
		}
		if present(day(night + 1)[0]) {
			t.Errorf("after night %d: day %d was released too", night, night+1)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "results", "etl")); errors.Is(err, os.ErrNotExist) {
		t.Errorf("make fetch-results left no results/etl for the artifact")
	}
}

func dayDir(d int) string { return fmt.Sprintf("day=%02d", d) }

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
