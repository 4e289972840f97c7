package etl_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recpipe/recpipe/data/movielens"
	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/blob"
)

// prepServer plays files.grouplens.org: it serves the shipped ml-latest-small.zip and
// an .md5 in the published form, failing the first zip request with 503.
func prepServer(t *testing.T, md5Body string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var zipHits atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/datasets/movielens/ml-latest-small.zip", func(w http.ResponseWriter, r *http.Request) {
		if zipHits.Add(1) == 1 {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		http.ServeContent(w, r, "ml-latest-small.zip", time.Time{}, prepBytesReader(movielens.SmallZip))
	})
	mux.HandleFunc("/datasets/movielens/ml-latest-small.zip.md5", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(md5Body))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &zipHits
}

func TestDownloadRelease(t *testing.T) {
	sum := md5.Sum(movielens.SmallZip)
	srv, hits := prepServer(t, "MD5 (ml-latest-small.zip) = "+hex.EncodeToString(sum[:])+"\n")
	cache := t.TempDir()
	opts := etl.Options{Dataset: "ml-latest-small", BaseURL: srv.URL + "/datasets/movielens", CacheDir: cache, RetryInitial: time.Millisecond}
	b := blob.NewMem()
	res, err := etl.Prepare(context.Background(), b, opts)
	if err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 2 {
		t.Fatalf("zip requested %d times, want 2 (a 503, then a retry)", hits.Load())
	}
	m := res.Manifest
	if m.Source.MD5 != hex.EncodeToString(sum[:]) || m.Source.URL != srv.URL+"/datasets/movielens/ml-latest-small.zip" || m.Ratings != 100836 {
		t.Fatalf("source %+v ratings %d", m.Source, m.Ratings)
	}
	if _, err := os.Stat(filepath.Join(cache, "ml-latest-small.zip")); err != nil {
		t.Fatalf("not cached: %v", err)
	}
	// The same objects as from the shipped copy (only the source record differs).
	_, shipped := prepSmall(t)
	if shipped.Splits != m.Splits || shipped.Source.SHA256 != m.Source.SHA256 {
		t.Fatalf("download and shipped copy differ: %+v vs %+v", m.Splits, shipped.Splits)
	}

	// A verified cache is used without the network (and the dataset is already prepared).
	srv.Close()
	again, err := etl.Prepare(context.Background(), b, opts)
	if err != nil || !again.Skipped {
		t.Fatalf("offline rerun from the cache: %v", err)
	}
}

func TestDownloadChecksumMismatch(t *testing.T) {
	srv, _ := prepServer(t, "0123456789abcdef0123456789abcdef  ml-latest-small.zip\n")
	cache := t.TempDir()
	b := blob.NewMem()
	_, err := etl.Prepare(context.Background(), b, etl.Options{Dataset: "ml-latest-small", BaseURL: srv.URL + "/datasets/movielens", CacheDir: cache, RetryInitial: time.Millisecond})
	if !errors.Is(err, etl.ErrChecksum) {
		t.Fatalf("err = %v, want ErrChecksum", err)
	}
	if entries, _ := os.ReadDir(cache); len(entries) != 0 {
		t.Fatalf("a failed download left %d files in the cache", len(entries))
	}
	if list, _ := b.List(context.Background(), ""); len(list) != 0 {
		t.Fatal("a failed download wrote objects")
	}
}

func TestDownloadNotFound(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	start := time.Now()
	_, err := etl.Prepare(context.Background(), blob.NewMem(), etl.Options{Dataset: "ml-1m", BaseURL: srv.URL, CacheDir: t.TempDir(), RetryInitial: time.Second})
	if err == nil || time.Since(start) > 900*time.Millisecond {
		t.Fatalf("404: err %v after %v, want a quick permanent error", err, time.Since(start))
	}
}
