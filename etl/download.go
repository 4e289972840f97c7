package etl

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/schollz/progressbar/v3"
)

// DefaultBaseURL is where GroupLens publishes the MovieLens releases, each as
// <base>/<ds>.zip with its MD5 in <base>/<ds>.zip.md5.
const DefaultBaseURL = "https://files.grouplens.org/datasets/movielens"

// Downloadable lists the releases prepare fetches by name.
var Downloadable = []string{"ml-latest-small", "ml-1m", "ml-10m", "ml-20m", "ml-25m", "ml-32m"}

// DefaultCacheDir is where downloaded releases are kept unless Options.CacheDir says
// otherwise (prepare's --cache-dir, env RECPIPE_CACHE_DIR): <user cache
// dir>/recpipe/movielens, else .cache/movielens.
func DefaultCacheDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "recpipe", "movielens")
	}
	return filepath.Join(".cache", "movielens")
}

// fetched is a verified release zip in the cache.
type fetched struct {
	path, url, md5, sha256 string
}

var md5Hex = regexp.MustCompile(`\b[0-9a-fA-F]{32}\b`)

// fetchRelease returns the cached zip of dataset ds, downloading it (with retries and
// progress) when it is missing or does not match the published MD5. The published
// MD5 is kept beside the zip, so a verified cache works offline.
func fetchRelease(ctx context.Context, opts *Options, ds string) (*fetched, error) {
	if !slices.Contains(Downloadable, ds) {
		return nil, fmt.Errorf("%w: %q (shipped: %s; downloadable: %s)", ErrUnknownDataset, ds, DefaultDataset, strings.Join(Downloadable, ", "))
	}
	base := strings.TrimSuffix(opts.BaseURL, "/")
	url := base + "/" + ds + ".zip"
	if err := os.MkdirAll(opts.CacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("cache dir: %w", err)
	}
	zipPath := filepath.Join(opts.CacheDir, ds+".zip")
	md5Path := zipPath + ".md5"
	published, err := publishedMD5(ctx, opts, url+".md5", md5Path)
	if err != nil {
		return nil, err
	}
	if m, s, err := fileSums(zipPath); err == nil {
		if m == published {
			opts.Log.Info("using cached release", "dataset", ds, "path", zipPath, "md5", m)
			return &fetched{path: zipPath, url: url, md5: m, sha256: s}, nil
		}
		opts.Log.Warn("cached release does not match its published checksum: downloading again", "path", zipPath, "md5", m, "published", published)
	}
	tmp := zipPath + ".part"
	var sums [2]string
	op := func() error {
		var err error
		sums, err = downloadOnce(ctx, opts, url, tmp)
		return err
	}
	if err := backoff.Retry(op, opts.retryPolicy(ctx)); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("download %s: %w", url, err)
	}
	if sums[0] != published {
		os.Remove(tmp)
		return nil, fmt.Errorf("download %s: %w: md5 %s, published %s", url, ErrChecksum, sums[0], published)
	}
	if err := os.Rename(tmp, zipPath); err != nil {
		return nil, fmt.Errorf("cache %s: %w", zipPath, err)
	}
	if err := os.WriteFile(md5Path, []byte(published+"  "+ds+".zip\n"), 0o644); err != nil {
		return nil, fmt.Errorf("cache %s: %w", md5Path, err)
	}
	opts.Log.Info("downloaded release", "dataset", ds, "url", url, "md5", published)
	return &fetched{path: zipPath, url: url, md5: sums[0], sha256: sums[1]}, nil
}

// publishedMD5 reads the release's .md5 from the cache, or fetches it.
func publishedMD5(ctx context.Context, opts *Options, url, cachePath string) (string, error) {
	if data, err := os.ReadFile(cachePath); err == nil {
		if m := md5Hex.Find(data); m != nil {
			return strings.ToLower(string(m)), nil
		}
	}
	var body []byte
	op := func() error {
		rc, _, err := httpGet(ctx, opts.HTTPClient, url)
		if err != nil {
			return err
		}
		defer rc.Close()
		body, err = io.ReadAll(io.LimitReader(rc, 1<<16))
		return err
	}
	if err := backoff.Retry(op, opts.retryPolicy(ctx)); err != nil {
		return "", fmt.Errorf("published checksum %s: %w", url, err)
	}
	m := md5Hex.Find(body)
	if m == nil {
		return "", fmt.Errorf("published checksum %s: %w: no MD5 in %q", url, ErrChecksum, body)
	}
	return strings.ToLower(string(m)), nil
}

// httpGet starts a GET; statuses that retrying cannot fix are backoff.Permanent.
func httpGet(ctx context.Context, client *http.Client, url string) (io.ReadCloser, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, backoff.Permanent(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, backoff.Permanent(err)
		}
		return nil, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		err := fmt.Errorf("GET %s: %s", url, resp.Status)
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
			return nil, 0, err
		}
		return nil, 0, backoff.Permanent(err)
	}
	return resp.Body, resp.ContentLength, nil
}

// downloadOnce fetches url into path and returns its md5 and sha256.
func downloadOnce(ctx context.Context, opts *Options, url, path string) ([2]string, error) {
	body, size, err := httpGet(ctx, opts.HTTPClient, url)
	if err != nil {
		return [2]string{}, err
	}
	defer body.Close()
	f, err := os.Create(path)
	if err != nil {
		return [2]string{}, backoff.Permanent(err)
	}
	defer f.Close()
	m, s := md5.New(), sha256.New()
	w := io.MultiWriter(f, m, s, progressWriter(opts, filepath.Base(path), size))
	if _, err := io.Copy(w, body); err != nil {
		return [2]string{}, err
	}
	if err := f.Close(); err != nil {
		return [2]string{}, backoff.Permanent(err)
	}
	return [2]string{hex.EncodeToString(m.Sum(nil)), hex.EncodeToString(s.Sum(nil))}, nil
}

// progressWriter shows a download's progress: a bar on a terminal, else a log line
// at every tenth of the size (or every 64 MiB when the size is unknown).
func progressWriter(opts *Options, name string, size int64) io.Writer {
	name = strings.TrimSuffix(name, ".part")
	if opts.Progress {
		return progressbar.DefaultBytes(size, "download "+name)
	}
	return &logProgress{log: opts.Log, name: name, size: size, start: time.Now()}
}

type logProgress struct {
	log        *slog.Logger
	name       string
	size, n    int64
	nextReport int64
	start      time.Time
}

func (p *logProgress) Write(b []byte) (int, error) {
	p.n += int64(len(b))
	step := p.size / 10
	if step <= 0 {
		step = 64 << 20
	}
	if p.n >= p.nextReport {
		p.log.Info("downloading", "file", p.name, "bytes", p.n, "of", p.size, "elapsed", time.Since(p.start).Round(time.Second))
		p.nextReport = (p.n/step + 1) * step
	}
	return len(b), nil
}

// fileSums returns a file's md5 and sha256.
func fileSums(path string) (md5hex, sha string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	m, s := md5.New(), sha256.New()
	if _, err := io.Copy(io.MultiWriter(m, s), f); err != nil {
		return "", "", err
	}
	return hex.EncodeToString(m.Sum(nil)), hex.EncodeToString(s.Sum(nil)), nil
}
