package lambdatest

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/miniotest"
	"github.com/recpipe/recpipe/jobs"
)

// Environment variables naming what the tests run (see the package comment).
const (
	EnvDist    = "RECPIPE_LAMBDA_DIST"
	EnvBin     = "RECPIPE_LAMBDA_BIN"
	EnvRIE     = "RECPIPE_LAMBDA_RIE"
	EnvRequire = "RECPIPE_REQUIRE_LAMBDA"
	// EnvRequireStrace=1 fails the tests when strace is missing (make lambda-test);
	// without it they check the task folder only.
	EnvRequireStrace = "RECPIPE_REQUIRE_STRACE"
	// EnvDays is how many of the three days the tests run (default 3: every scenario;
	// make test runs day 1 alone: the cold start, the batch, the duplicate, the disk).
	EnvDays = "RECPIPE_LAMBDA_DAYS"
)

// tools are the built artefacts the tests run.
type tools struct {
	dist, bin, rie string
	strace         string // "" when strace is not installed
}

func needTools(t testing.TB) tools {
	t.Helper()
	tl := tools{dist: os.Getenv(EnvDist), bin: os.Getenv(EnvBin), rie: os.Getenv(EnvRIE)}
	var missing []string
	for k, v := range map[string]string{EnvDist: tl.dist, EnvBin: tl.bin, EnvRIE: tl.rie} {
		if v == "" {
			missing = append(missing, k)
		} else if _, err := os.Stat(v); err != nil {
			missing = append(missing, fmt.Sprintf("%s (%v)", k, err))
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		why := "not set or missing: " + strings.Join(missing, ", ") + " (run make lambda-test)"
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("the Lambda emulator tests are required (%s=1) but %s", EnvRequire, why)
		}
		t.Skip(why)
	}
	if p, err := exec.LookPath("strace"); err == nil {
		tl.strace = p
	} else if os.Getenv(EnvRequireStrace) == "1" {
		t.Fatalf("%s=1 but strace, which audits the functions' writes, is not installed (apt-get install strace)", EnvRequireStrace)
	} else {
		t.Log("strace not installed: writes outside /tmp are checked in the task folder only")
	}
	return tl
}

// site is the test's bucket on the shared MinIO: the functions' side under
// lambdaPrefix, reached through a proxy that can fail or stall requests, and the
// command line's side under cliPrefix.
type site struct {
	srv    *miniotest.Server
	bucket string
	raw    blob.Bucket // the whole bucket, keys with their prefix
	cli    blob.Bucket
	lambda blob.Bucket
}

const (
	lambdaPrefix = "recpipe/" // the template's KeyPrefix parameter
	cliPrefix    = "cli/"
)

func newSite(t testing.TB) *site {
	t.Helper()
	s := miniotest.Shared(t)
	st := &site{srv: s, bucket: s.NewBucket(t)}
	st.raw = st.open(t, "")
	st.cli = st.open(t, cliPrefix)
	st.lambda = st.open(t, lambdaPrefix)
	return st
}

// url is the bucket URL of prefix on the server, or on endpoint when set.
func (s *site) url(prefix, endpoint string) string {
	if endpoint == "" {
		endpoint = s.srv.Endpoint
	}
	q := url.Values{"endpoint": {endpoint}, "region": {s.srv.Region}}
	return "s3://" + s.bucket + "/" + strings.TrimSuffix(prefix, "/") + "?" + q.Encode()
}

func (s *site) open(t testing.TB, prefix string) blob.Bucket {
	t.Helper()
	b, err := blob.Open(t.Context(), s.url(prefix, ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// cliEnv is the environment of a command-line run against the CLI side.
func (s *site) cliEnv() []string {
	return append(os.Environ(), "BUCKET_URL="+s.url(cliPrefix, ""), "LOG_LEVEL=warn", "LOG_FORMAT=text")
}

// runCLI runs bin/<name> args on the CLI side and fails the test unless it exits 0.
func runCLI(t testing.TB, tl tools, s *site, name string, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), filepath.Join(tl.bin, name), args...)
	cmd.Env = s.cliEnv()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out.String())
	}
	t.Logf("cli: %s %s (%s)", name, strings.Join(args, " "), time.Since(t0).Round(time.Millisecond))
}

// tinyConfigs train real NCF and SS4Rec models on ml-latest-small in seconds.
var tinyConfigs = map[string]string{
	"ncf": `model: ncf
dataset: ml-latest-small
seed: 1
train: {epochs: 1, batch_size: 1024, lr: 0.005, patience: 1, keep_checkpoints: 1}
net: {gmf_dim: 4, mlp_dim: 4, tower: [8, 4], init_std: 0.01}
`,
	"ss4rec": `model: ss4rec
dataset: ml-latest-small
seed: 1
train: {epochs: 1, batch_size: 64, lr: 0.003, patience: 1, keep_checkpoints: 1}
net: {dim: 8, s5_states: 4, expand: 2, mamba_states: 4, blocks: 1, max_seq_len: 10, dropout: 0}
`,
}

// prepare fills the CLI side with the commands of the pipeline (prepare, the two
// champions) and copies it to the functions' side, so that both start from the same
// bytes.
func (s *site) prepare(t *testing.T, tl tools) {
	t.Helper()
	runCLI(t, tl, s, "prepare")
	dir := t.TempDir()
	for _, m := range []string{"ncf", "ss4rec"} {
		cfg := filepath.Join(dir, m+".yaml")
		if err := os.WriteFile(cfg, []byte(tinyConfigs[m]), 0o644); err != nil {
			t.Fatal(err)
		}
		runCLI(t, tl, s, "train-gpu", "--model", m, "--config", cfg, "--promote")
	}
	s.mirror(t, cliPrefix, lambdaPrefix)
}

// release releases day d with etl-day on the CLI side and copies its objects to the
// functions' side.
func (s *site) release(t *testing.T, tl tools, d int) {
	t.Helper()
	runCLI(t, tl, s, "etl-day", "--day", fmt.Sprint(d))
	s.mirror(t, cliPrefix+"etl/", lambdaPrefix+"etl/")
}

// mirror copies every object under from to the same key under to.
func (s *site) mirror(t testing.TB, from, to string) {
	t.Helper()
	ctx := t.Context()
	list, err := s.raw.List(ctx, from)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		data, err := blob.ReadAll(ctx, s.raw, a.Key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := blob.PutBytes(ctx, s.raw, to+strings.TrimPrefix(a.Key, from), data, blob.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

// object is the event of an object of the functions' side (key without the prefix).
func (s *site) object(t testing.TB, key string) Object {
	t.Helper()
	a, err := s.lambda.Stat(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	return Object{Bucket: s.bucket, Key: lambdaPrefix + key, ETag: a.ETag, Size: a.Size}
}

// state maps every key under prefix to its ETag.
func (s *site) state(t testing.TB, prefix string) map[string]string {
	t.Helper()
	list, err := s.raw.List(t.Context(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, a := range list {
		m[strings.TrimPrefix(a.Key, prefix)] = a.ETag
	}
	return m
}

// sameOutputs fails the test unless the two sides hold the same objects outside
// runs/ (which holds run records and event markers, different by nature), compared
// byte for byte, and returns how many it compared.
func (s *site) sameOutputs(t *testing.T) int {
	t.Helper()
	ctx := context.Background()
	cli, lam := s.state(t, cliPrefix), s.state(t, lambdaPrefix)
	n := 0
	for _, k := range union(cli, lam) {
		if strings.HasPrefix(k, "runs/") {
			continue
		}
		_, inCLI := cli[k]
		_, inLambda := lam[k]
		if !inCLI || !inLambda {
			t.Errorf("%s: only on the %s side", k, map[bool]string{true: "command line", false: "function"}[inCLI])
			continue
		}
		a, err := blob.ReadAll(ctx, s.cli, k)
		if err != nil {
			t.Fatal(err)
		}
		b, err := blob.ReadAll(ctx, s.lambda, k)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs: command line %d bytes, function %d bytes", k, len(a), len(b))
		}
		n++
	}
	return n
}

func union(a, b map[string]string) []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// runRecords returns the run records of function on the functions' side, by id.
func (s *site) runRecords(t testing.TB, function string) map[string]*jobs.Record {
	t.Helper()
	list, err := s.lambda.List(t.Context(), "runs/"+function+"/")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*jobs.Record{}
	for _, a := range list {
		if !layout.IsKind(a.Key, layout.KindRunRecord) {
			continue
		}
		r := &jobs.Record{}
		if err := blob.ReadJSON(t.Context(), s.lambda, a.Key, r); err != nil {
			t.Fatal(err)
		}
		out[r.ID] = r
	}
	return out
}

// newRecords returns the records in after that are not in before.
func newRecords(before, after map[string]*jobs.Record) []*jobs.Record {
	var out []*jobs.Record
	for id, r := range after {
		if _, ok := before[id]; !ok {
			out = append(out, r)
		}
	}
	return out
}
