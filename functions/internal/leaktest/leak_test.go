package leaktest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/miniotest"
)

// planted are secrets no output may show, in any of their URL-escaped forms.
var planted = map[string]string{
	"AWS_ACCESS_KEY_ID":     "AKIDPLANTEDLEAK0TEST",
	"AWS_SECRET_ACCESS_KEY": "plantedSecretKey/wJalrXUtnFEMI+K7MDENG",
	"AWS_SESSION_TOKEN":     "plantedSessionTokenIQoJb3JpZ2lu",
	"RECPIPE_WEBHOOK_TOKEN": "plantedWebhookToken4f1c",
	"GITHUB_TOKEN":          "ghp_plantedGitHubToken0123456789",
}

// urlSecret is the password planted in bucket URLs.
const urlSecret = "plantedUrlPassw0rd/x+y"

// credentialURLs plant urlSecret in every part of a bucket URL.
func credentialURLs(endpoint string) []string {
	host := strings.TrimPrefix(strings.TrimPrefix(endpoint, "http://"), "https://")
	ui := url.UserPassword("AKIDINURL", urlSecret).String()
	return []string{
		"s3://" + ui + "@recpipe-leak/p",
		"s3://AKIDINURL:" + urlSecret + "@recpipe-leak/p",
		"s3://recpipe-leak/p?endpoint=http://" + ui + "@" + host,
		"s3://recpipe-leak/p?endpoint=" + url.QueryEscape("http://"+ui+"@"+host),
		"s3://recpipe-leak/p?endpoint=http://" + host + "&aws_secret_access_key=" + url.QueryEscape(urlSecret),
		"s3://recpipe-leak/p?X-Amz-Security-Token=" + url.QueryEscape(urlSecret),
		"file://user:" + url.PathEscape(urlSecret) + "@/tmp/recpipe-leak",
	}
}

// forms are the ways a secret could show up: as is and URL-escaped.
func forms(secret string) []string {
	return []string{secret, url.QueryEscape(secret), url.PathEscape(secret), strings.ReplaceAll(url.QueryEscape(secret), "%2F", "/")}
}

// TestNoBinaryLeaksASecret runs every binary with planted secrets and checks that
// none shows up in stdout, stderr, the bucket's objects (run records, results) or
// the fetched results.
func TestNoBinaryLeaksASecret(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every binary")
	}
	bins := buildAll(t)
	tmp := t.TempDir()
	env := plantedEnv(tmp, planted)
	secrets := []string{urlSecret}
	for _, v := range planted {
		secrets = append(secrets, v)
	}
	c := &checker{t: t, bins: bins, dir: tmp, env: env, secrets: secrets}

	t.Run("file bucket", func(t *testing.T) {
		c := c.with(t)
		bucket := filepath.Join(tmp, "bucket")
		c.lifecycle("file://"+bucket, filepath.Join(tmp, "fetched"))
		c.demo("file://" + bucket)
		c.grepTree(bucket)
		c.grepTree(filepath.Join(tmp, "fetched"))
	})

	t.Run("credentials in bucket URLs", func(t *testing.T) {
		c := c.with(t)
		for _, u := range credentialURLs("http://127.0.0.1:9000") {
			for _, cmd := range invocations(u) {
				out, code := c.run(cmd...)
				if code != 2 {
					t.Errorf("%s with %s: exit %d, want 2 (a usage error)", strings.Join(cmd[:2], " "), u, code)
				}
				if !strings.Contains(out, "AWS_SECRET_ACCESS_KEY") {
					t.Errorf("%s with a credential in its bucket URL: the error does not name the environment variables:\n%s", cmd[0], out)
				}
			}
		}
	})

	t.Run("storage retries", func(t *testing.T) {
		c := c.with(t)
		u := "s3://recpipe-leak/p?endpoint=http://" + closedPort(t) + "&region=us-east-1"
		out, code := c.run("etl-day", "--bucket", u, "--status")
		if code == 0 || !strings.Contains(out, "storage retry") {
			t.Errorf("etl-day on a closed endpoint: exit %d, no storage retry logged:\n%s", code, out)
		}
	})

	t.Run("minio", func(t *testing.T) {
		s := miniotest.Shared(t)
		env := plantedEnv(tmp, map[string]string{
			"AWS_ACCESS_KEY_ID": s.AccessKey, "AWS_SECRET_ACCESS_KEY": s.SecretKey, "AWS_REGION": s.Region,
			"RECPIPE_WEBHOOK_TOKEN": planted["RECPIPE_WEBHOOK_TOKEN"], "GITHUB_TOKEN": planted["GITHUB_TOKEN"],
		})
		c := &checker{t: t, bins: bins, dir: tmp, env: env, secrets: append(secrets, s.SecretKey)}
		name := s.NewBucket(t)
		u := "s3://" + name + "/leak?endpoint=" + s.Endpoint + "&region=" + s.Region
		c.lifecycle(u, filepath.Join(tmp, "fetched-minio"))
		c.grepTree(filepath.Join(tmp, "fetched-minio"))
		b, err := blob.Open(t.Context(), u)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		c.grepBucket(b)
		for _, bad := range credentialURLs(s.Endpoint) {
			out, code := c.run("etl-day", "--bucket", bad, "--status")
			if code != 2 || !strings.Contains(out, "AWS_SECRET_ACCESS_KEY") {
				t.Errorf("etl-day --bucket %s: exit %d (want 2):\n%s", bad, code, out)
			}
		}
	})
}

// lifecycle runs every binary's ordinary work on bucketURL.
func (c *checker) lifecycle(bucketURL, fetchDir string) {
	cfg := filepath.Join(moduleRoot(c.t), "configs", "ncf-demo.yaml")
	for _, cmd := range [][]string{
		{"prepare", "--bucket", bucketURL},
		{"train-gpu", "--bucket", bucketURL, "--model", "ncf", "--config", cfg, "--epochs", "1", "--promote"},
		{"etl-day", "--bucket", bucketURL, "--day", "1"},
		{"etl-day", "--bucket", bucketURL, "--status"},
		{"quality-check", "--bucket", bucketURL, "--all"},
		{"ab-eval", "--bucket", bucketURL, "--all", "--model-a", "ncf", "--model-b", "baseline:user-item-bias"},
		{"pipeline", "status", "--bucket", bucketURL},
		{"pipeline", "status", "--bucket", bucketURL, "--json"},
		{"pipeline", "fetch-results", "--bucket", bucketURL, "--dest", fetchDir},
	} {
		if out, code := c.run(cmd...); code != 0 {
			c.t.Fatalf("%s: exit %d\n%s", strings.Join(cmd, " "), code, out)
		}
	}
	// Commands whose failure is expected here print their errors: grepped all the same.
	github := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("[]")) }))
	defer github.Close()
	for _, cmd := range [][]string{
		{"pipeline", "results", "--bucket", bucketURL, "--dry-run"}, // one day released, not the 20 results need
		{"pipeline", "report-failure", "--bucket", bucketURL, "--function", "etl-day", "--kind", "etl-day-failed",
			"--repo", "o/n", "--api-url", github.URL, "--run-record", "runs/etl-day/", "--error", "planted " + bucketURL, "--dry-run"},
	} {
		c.run(cmd...)
	}
}

// demo runs pipeline demo on bucketURL (one day, the tiny training configs).
func (c *checker) demo(bucketURL string) {
	root := moduleRoot(c.t)
	cmd := []string{"pipeline", "demo", "--bucket", bucketURL, "--days", "1",
		"--ncf-config", filepath.Join(root, "functions", "pipeline", "testdata", "ncf-tiny.yaml"),
		"--ss4rec-config", filepath.Join(root, "functions", "pipeline", "testdata", "ss4rec-tiny.yaml")}
	if out, code := c.run(cmd...); code != 0 {
		c.t.Fatalf("pipeline demo: exit %d\n%s", code, out)
	}
}

// invocations are the command lines run with a bad bucket URL.
func invocations(u string) [][]string {
	return [][]string{
		{"prepare", "--bucket", u},
		{"etl-day", "--bucket", u},
		{"quality-check", "--bucket", u, "--all"},
		{"train-gpu", "--bucket", u, "--model", "ncf", "--epochs", "1"},
		{"ab-eval", "--bucket", u, "--all"},
		{"pipeline", "status", "--bucket", u},
		{"pipeline", "fetch-results", "--bucket", u, "--dest", os.DevNull},
		{"pipeline", "serve", "--bucket", u, "--listen", "127.0.0.1:0"},
		{"pipeline", "demo", "--bucket", u, "--days", "1"},
		{"pipeline", "results", "--bucket", u, "--dry-run"},
		{"pipeline", "dashboard", "--bucket", u, "--listen", "127.0.0.1:0"},
		{"pipeline", "report-failure", "--bucket", u, "--function", "etl-day", "--kind", "x", "--repo", "o/n", "--run-record", "runs/etl-day/", "--dry-run"},
	}
}

type checker struct {
	t       *testing.T
	bins    string
	dir     string
	env     []string
	secrets []string
}

func (c *checker) with(t *testing.T) *checker { d := *c; d.t = t; return &d }

// run runs binary args[0] and returns its stdout and stderr together, after checking
// both for the secrets.
func (c *checker) run(args ...string) (string, int) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(c.bins, args[0]), args[1:]...)
	cmd.Dir, cmd.Env = c.dir, c.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		c.t.Fatalf("%s: %v", args[0], err)
	}
	c.grep(strings.Join(args, " ")+" stdout", stdout.String())
	c.grep(strings.Join(args, " ")+" stderr", stderr.String())
	return stdout.String() + stderr.String(), code
}

func (c *checker) grep(where, text string) {
	c.t.Helper()
	for _, s := range c.secrets {
		for _, f := range forms(s) {
			if strings.Contains(text, f) {
				c.t.Errorf("%s shows the secret %q:\n%s", where, f, text)
				return
			}
		}
	}
}

// grepTree checks every file under dir.
func (c *checker) grepTree(dir string) {
	c.t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		n++
		c.grep(p, string(data))
		return err
	})
	if err != nil || n == 0 {
		c.t.Fatalf("walk %s: %d files, %v", dir, n, err)
	}
}

// grepBucket checks every object of b.
func (c *checker) grepBucket(b blob.Bucket) {
	c.t.Helper()
	objs, err := b.List(c.t.Context(), "")
	if err != nil || len(objs) == 0 {
		c.t.Fatalf("list: %d objects, %v", len(objs), err)
	}
	for _, o := range objs {
		rc, err := b.Get(c.t.Context(), o.Key)
		if err != nil {
			c.t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			c.t.Fatal(err)
		}
		c.grep(o.Key, string(data))
	}
}

// plantedEnv is the process environment without AWS_* and the test's S3 variables,
// with vars added, debug JSON logs, and caches under dir.
func plantedEnv(dir string, vars map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || k == "BUCKET_URL" || k == "GITHUB_TOKEN" || strings.HasPrefix(k, "RECPIPE_") || k == "LOG_LEVEL" || k == "LOG_FORMAT" {
			continue
		}
		env = append(env, kv)
	}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return append(env, "LOG_LEVEL=debug", "LOG_FORMAT=json", "RECPIPE_CACHE_DIR="+filepath.Join(dir, "cache"),
		"AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull, "AWS_EC2_METADATA_DISABLED=true",
		"MOVIELENS_BASE_URL=https://grouplens:"+url.PathEscape(urlSecret)+"@files.grouplens.org/datasets/movielens")
}

// buildAll builds every binary from the tree into a folder of the user's cache kept
// per checkout, so that a rerun with unchanged sources links nothing (go build leaves
// an up-to-date binary alone).
func buildAll(t *testing.T) string {
	t.Helper()
	root := moduleRoot(t)
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	sum := sha256.Sum256([]byte(root))
	dir := filepath.Join(cache, "recpipe-leaktest", hex.EncodeToString(sum[:6]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var pkgs []string
	for _, f := range []string{"prepare", "etl-day", "quality-check", "train-gpu", "ab-eval", "retrain", "pipeline"} {
		pkgs = append(pkgs, "./functions/"+f)
	}
	cmd := exec.CommandContext(t.Context(), "go", append([]string{"build", "-o", dir + string(filepath.Separator)}, pkgs...)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || len(bytes.TrimSpace(out)) == 0 {
		t.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(string(bytes.TrimSpace(out)))
}

// closedPort returns host:port where nothing listens.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
