package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recpipe/recpipe/data/movielens"
	minioinfra "github.com/recpipe/recpipe/infra/minio"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/miniotest"
	"github.com/recpipe/recpipe/jobs"
	"github.com/recpipe/recpipe/quality"
)

// e2eDeadline bounds the wait for one day's A/B result (the race detector makes
// scoring several times slower).
const e2eDeadline = 90 * time.Second

// minioQueueTick is how often the pinned MinIO sends the events of a webhook target
// with a queue directory (measured: notifications arrive on a 3 s cadence).
const minioQueueTick = 3 * time.Second

// TestMinIOEndToEnd runs the pipeline on a real MinIO chained by its webhook alone:
// the setup binds the notifications generated from the routing table to the
// `pipeline serve` handler; the prepared data and two trained champions are uploaded;
// days released with etl-day's logic get their quality reports and A/B results through
// events. Every event delivered a second time, out of order, changes nothing. A day
// released while the receiver is down is delivered from MinIO's queue once it is back.
func TestMinIOEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts MinIO and trains two models")
	}
	ctx := context.Background()
	const token, bucket = "e2e-webhook-token", "recpipe-e2e"
	log := slog.New(slog.DiscardHandler)
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}

	// The receiver listens before MinIO starts (MinIO checks its targets at startup);
	// its handler is set once the bucket exists.
	rec := &recorder{}
	if testing.Verbose() {
		start := time.Now()
		rec.trace = func(msg string, args ...any) { t.Logf("%8.3fs %s %v", time.Since(start).Seconds(), msg, args) }
	}
	rcv := startReceiver(t, "127.0.0.1:0", rec)
	// RECPIPE_E2E_NO_QUEUE_DIR=1 measures MinIO's direct delivery (no queue directory:
	// events sent while the receiver is down are lost, so that part is skipped).
	queueDir := filepath.Join(t.TempDir(), "queue")
	if os.Getenv("RECPIPE_E2E_NO_QUEUE_DIR") == "1" {
		queueDir = ""
	}
	s := miniotest.Start(t, envMap(minioinfra.ServerSettings{
		Endpoint: "http://" + rcv.addr + DefaultEventPath, AuthToken: token, QueueDir: queueDir,
	}.Env()))
	// MinIO registers its webhook target a moment after it answers: until then the
	// target's ARN is unknown.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		err := minioinfra.Setup(ctx, s.Client(t), bucket, "", "")
		if err == nil {
			break
		}
		if !strings.Contains(err.Error(), "ARN") || time.Now().After(deadline) {
			t.Fatal(err)
		}
	}
	raw := blob.WithRetry(s.S3(t, bucket, ""), blob.DefaultRetryPolicy())
	committed := &commitTimes{at: map[string]time.Time{}}
	b := blob.WithCommitHook(raw, committed.hook)

	d, err := newDispatcher(raw, log, testFunctions())
	if err != nil {
		t.Fatal(err)
	}
	wh, err := jobs.NewWebhook(d, token, "s3://"+bucket, 2)
	if err != nil {
		t.Fatal(err)
	}
	rec.set(eventMux(wh, DefaultEventPath))

	writeFixture(t, b)

	// Days 1..3: each result must come through events alone.
	const days = 3
	var latencies []time.Duration
	for day := 1; day <= days; day++ {
		if err := releaseDay(ctx, b, movielens.SmallName, day); err != nil {
			t.Fatal(err)
		}
		found := waitObject(t, raw, layout.ABResult(layout.Day(day)), e2eDeadline)
		lat := found.Sub(committed.get(layout.ETLManifest(layout.Day(day))))
		latencies = append(latencies, lat)
		t.Logf("day %d: manifest commit to A/B result through MinIO events: %s", day, lat.Round(time.Millisecond))
	}
	t.Logf("E2E LATENCY batch commit -> A/B result on MinIO (days 1..%d): %v", days, roundAll(latencies))
	rec.waitIdle(t, 2*time.Second)
	waitRuns(t, wh.Queue()) // the runs go on after the answers
	for day := 1; day <= days; day++ {
		var rep quality.Report
		if err := blob.ReadJSON(ctx, raw, layout.QualityReport(layout.Day(day)), &rep); err != nil || !rep.Success {
			t.Fatalf("day %d quality report: success=%v, err %v", day, rep.Success, err)
		}
	}
	before := etags(t, raw)

	// Every event a second time, newest first: each is a duplicate, nothing changes.
	bodies := rec.all()
	if len(bodies) < 2*days {
		t.Fatalf("the receiver saw %d notifications, want at least %d (a manifest and a report per day)", len(bodies), 2*days)
	}
	slices.Reverse(bodies)
	redelivered := time.Now()
	for _, body := range bodies {
		reply := post(t, rcv.url(), token, body)
		for _, o := range reply.Outcomes {
			if o.Status != jobs.StatusDuplicate {
				t.Errorf("redelivered %s to %s: status %s, want %s", o.Key, o.Function, o.Status, jobs.StatusDuplicate)
			}
		}
	}
	if after := etags(t, raw); !maps.Equal(before, after) {
		t.Fatalf("redelivery changed the bucket:\nbefore %v\nafter  %v", before, after)
	}
	t.Logf("%d notifications redelivered in reverse order: %d objects unchanged", len(bodies), len(before))
	t.Logf("DUPLICATE COST: %s per redelivered notification (answered duplicate)", (time.Since(redelivered) / time.Duration(len(bodies))).Round(10*time.Microsecond))
	if queueDir == "" {
		return
	}

	// Receiver down: the day's events wait in MinIO's queue, and are delivered once it is back.
	rcv.stop()
	day := days + 1
	if err := releaseDay(ctx, b, movielens.SmallName, day); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2*minioQueueTick + time.Second) // MinIO tries (and fails) at least twice
	if ok, _ := blob.Exists(ctx, raw, layout.QualityReport(layout.Day(day))); ok {
		t.Fatalf("day %d was checked while the receiver was down", day)
	}
	seen := len(rec.all())
	back := time.Now()
	rcv = startReceiver(t, rcv.addr, rec)
	found := waitObject(t, raw, layout.ABResult(layout.Day(day)), e2eDeadline)
	t.Logf("day %d: receiver back to A/B result from MinIO's queue: %s", day, found.Sub(back).Round(time.Millisecond))
	if len(rec.all()) <= seen {
		t.Errorf("no notification arrived after the restart")
	}
	rec.waitIdle(t, 2*time.Second)
	waitRuns(t, wh.Queue())
}

// waitRuns waits until the receiver's queue has run everything it received.
func waitRuns(t *testing.T, q *jobs.Queue) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), e2eDeadline)
	defer cancel()
	if err := q.Wait(ctx); err != nil {
		t.Fatalf("the receiver's runs did not end: %v", err)
	}
}

// recorder is the receiver's handler: it keeps every notification body and counts the
// requests in flight around the handler set later.
type recorder struct {
	mu       sync.Mutex
	h        http.Handler
	bodies   [][]byte
	inflight atomic.Int64
	lastDone atomic.Int64 // unix nanoseconds
	trace    func(msg string, args ...any)
}

// keyOf is the notification's "Key" (bucket/key), for the trace.
func keyOf(body []byte) string {
	var n struct{ Key string }
	_ = json.Unmarshal(body, &n)
	return n.Key
}

func (r *recorder) set(h http.Handler) { r.mu.Lock(); r.h = h; r.mu.Unlock() }

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.inflight.Add(1)
	defer func() { r.lastDone.Store(time.Now().UnixNano()); r.inflight.Add(-1) }()
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	h := r.h
	if h != nil && req.Method == http.MethodPost {
		r.bodies = append(r.bodies, body)
	}
	r.mu.Unlock()
	if r.trace != nil {
		r.trace("notification", "body", len(body), "key", keyOf(body))
	}
	if h == nil {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	h.ServeHTTP(w, req)
}

func (r *recorder) all() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.bodies)
}

// waitIdle waits until no request has been in flight for quiet.
func (r *recorder) waitIdle(t *testing.T, quiet time.Duration) {
	t.Helper()
	deadline := time.Now().Add(e2eDeadline)
	for time.Now().Before(deadline) {
		if r.inflight.Load() == 0 && time.Since(time.Unix(0, r.lastDone.Load())) >= quiet {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the receiver did not go idle within %s", e2eDeadline)
}

// receiver is an in-test `pipeline serve` on a fixed address, so that it can be
// stopped and started again where MinIO posts.
type receiver struct {
	addr string
	srv  *httptest.Server
}

func startReceiver(t *testing.T, addr string, h http.Handler) *receiver {
	t.Helper()
	var l net.Listener
	var err error
	for range 50 { // the old socket of a restarted receiver may linger a moment
		if l, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return &receiver{addr: l.Addr().String(), srv: srv}
}

func (r *receiver) url() string { return r.srv.URL + DefaultEventPath }
func (r *receiver) stop()       { r.srv.Close() }

// post delivers a notification body as MinIO does and decodes the reply.
func post(t *testing.T, url, token string, body []byte) jobs.WebhookReply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var reply jobs.WebhookReply
	if err := json.NewDecoder(resp.Body).Decode(&reply); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("redelivery answered %d: %+v", resp.StatusCode, reply)
	}
	return reply
}

// commitTimes records when each key was committed.
type commitTimes struct {
	mu sync.Mutex
	at map[string]time.Time
}

func (c *commitTimes) hook(_ context.Context, a blob.Attrs) {
	c.mu.Lock()
	c.at[a.Key] = time.Now()
	c.mu.Unlock()
}

func (c *commitTimes) get(key string) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at[key]
}

// waitObject polls until key exists and returns when it was first seen.
func waitObject(t *testing.T, b blob.Bucket, key string, limit time.Duration) time.Time {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		ok, err := blob.Exists(context.Background(), b, key)
		if err != nil && !errors.Is(err, blob.ErrNotFound) {
			t.Fatal(err)
		}
		if ok {
			return time.Now()
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("%s did not appear within %s", key, limit)
	return time.Time{}
}

// etags maps every key of the bucket to its ETag.
func etags(t *testing.T, b blob.Bucket) map[string]string {
	t.Helper()
	list, err := b.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, a := range list {
		out[a.Key] = a.ETag
	}
	return out
}

func envMap(kvs []string) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}

type testLog struct{ t *testing.T }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimSpace(p)))
	return len(p), nil
}
