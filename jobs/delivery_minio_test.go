package jobs

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
)

// The tests of this file run the delivery runtime against the real MinIO of
// `make test`; they skip without one (see internal/miniotest).

const deliveryToken = "delivery-test-token"

// (a) A delivery that arrives again while the first run of its event fails is not
// acknowledged as a success: the failure is retried and the event ends handled.
func TestDuplicateWhileFailingIsRetried(t *testing.T) {
	name, _, b := minioBucket(t)
	ctx := context.Background()
	log, _ := testLogger(t)

	t.Run("one receiver", func(t *testing.T) {
		d := NewDispatcher(b, log)
		d.SetOptions(DeliveryOptions{Lease: 5 * time.Second, Retry: RetryPolicy{MaxAttempts: 3, Initial: 50 * time.Millisecond}})
		running, proceed := make(chan struct{}), make(chan struct{})
		var attempts atomic.Int32
		if err := d.Register(Function{Name: QualityCheck, OnEvent: func(ctx context.Context, env *Env, ev Event) error {
			if attempts.Add(1) == 1 {
				close(running)
				<-proceed
				return errors.New("connection reset by MinIO")
			}
			return nil
		}}); err != nil {
			t.Fatal(err)
		}
		wh, err := NewWebhook(d, deliveryToken, "s3://"+name, 2)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(wh)
		defer srv.Close()
		body := minioBody(name, manifestKey, "etag-a1")
		if code, rep := postEvent(t, srv.URL, deliveryToken, body, 5*time.Second); code != http.StatusOK || rep.Outcomes[0].Status != StatusReceived {
			t.Fatalf("first delivery: %d %+v", code, rep)
		}
		<-running
		code, rep := postEvent(t, srv.URL, deliveryToken, body, 5*time.Second)
		if code != http.StatusOK || len(rep.Outcomes) != 1 || rep.Outcomes[0].Status != StatusReceived {
			t.Fatalf("the delivery while the run fails: %d %+v, want 200 received (not a duplicate)", code, rep)
		}
		close(proceed)
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := wh.Queue().Wait(wctx); err != nil {
			t.Fatal(err)
		}
		var m Marker
		if err := blob.ReadJSON(ctx, b, layout.EventMarker(QualityCheck, manifestKey, "etag-a1"), &m); err != nil || m.Status != StatusOK {
			t.Fatalf("marker %+v, %v: want ok", m, err)
		}
		if got := statuses(runRecords(t, b, QualityCheck)); got != "failed,ok" || attempts.Load() != 2 {
			t.Errorf("runs %s after %d attempts, want failed,ok after 2", got, attempts.Load())
		}
	})

	t.Run("two processes", func(t *testing.T) {
		// d1 and d2 share nothing but the bucket, as two processes would.
		held, fail := make(chan struct{}), make(chan struct{})
		var runs1, runs2 atomic.Int32
		d1, d2 := NewDispatcher(b, log), NewDispatcher(b, log)
		for _, d := range []*Dispatcher{d1, d2} {
			d.SetOptions(DeliveryOptions{Lease: 5 * time.Second, Poll: 20 * time.Millisecond})
		}
		if err := d1.Register(Function{Name: QualityCheck, OnEvent: func(ctx context.Context, env *Env, ev Event) error {
			runs1.Add(1)
			close(held)
			<-fail
			return errors.New("out of memory")
		}}); err != nil {
			t.Fatal(err)
		}
		if err := d2.Register(Function{Name: QualityCheck, OnEvent: func(ctx context.Context, env *Env, ev Event) error {
			runs2.Add(1)
			return nil
		}}); err != nil {
			t.Fatal(err)
		}
		ev := manifestEvent("etag-a2")
		first := make(chan []Outcome, 1)
		go func() { outs, _ := d1.Dispatch(ctx, ev); first <- outs }()
		<-held
		second := make(chan []Outcome, 1)
		go func() { outs, _ := d2.Dispatch(ctx, ev); second <- outs }()
		time.Sleep(200 * time.Millisecond) // d2 waits on d1's claim
		if runs2.Load() != 0 {
			t.Error("process 2 ran the event while process 1 held its claim")
		}
		close(fail)
		if o := (<-first)[0]; o.Status != StatusFailed || o.Marked {
			t.Errorf("process 1: %+v, want an unmarked failure", o)
		}
		if o := (<-second)[0]; o.Status != StatusOK || runs2.Load() != 1 {
			t.Errorf("process 2, waiting while process 1 failed: %+v after %d runs; want it to run the event itself", o, runs2.Load())
		}
	})
}

// (b) A run longer than the receiver's HTTP deadline completes: the delivery is
// acknowledged once recorded, and the run goes on after the answer.
func TestRunLongerThanTheHTTPDeadline(t *testing.T) {
	name, _, b := minioBucket(t)
	log, _ := testLogger(t)
	const deadline, work = 300 * time.Millisecond, 1500 * time.Millisecond
	d := NewDispatcher(b, log)
	if err := d.Register(slowStep(work)); err != nil {
		t.Fatal(err)
	}
	wh, err := NewWebhook(d, deliveryToken, "s3://"+name, 1)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, l, wh, wh.Queue(), log) }()

	t0 := time.Now()
	code, rep := postEvent(t, "http://"+l.Addr().String()+"/", deliveryToken, minioBody(name, manifestKey, "etag-b"), deadline)
	answered := time.Since(t0)
	if code != http.StatusOK || rep.Outcomes[0].Status != StatusReceived {
		t.Fatalf("answer %d %+v", code, rep)
	}
	waitUntil(t, 30*time.Second, "the run's output", func() bool {
		ok, _ := blob.Exists(context.Background(), b, "out/"+manifestKey)
		return ok
	})
	runs := runRecords(t, b, QualityCheck)
	if len(runs) != 1 || runs[0].Status != StatusOK || runs[0].Usage.WallSeconds < work.Seconds() {
		t.Errorf("runs %s, want one ok of at least %s", statuses(runs), work)
	}
	t.Logf("answered in %s (deadline %s); the run took %.3f s", answered.Round(time.Millisecond), deadline, runs[0].Usage.WallSeconds)
	cancel()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
}

// (c) SIGKILL of the receiver in the middle of a run: a receiver started again
// resumes the event from the inbox, takes over its expired claim, records the killed
// run as abandoned, and completes the event.
func TestKilledReceiverResumes(t *testing.T) {
	name, bucketURL, b := minioBucket(t)
	ctx := context.Background()
	env := map[string]string{envHelperBucket: bucketURL, envHelperLease: "2s", envHelperWork: "2s", envHelperToken: deliveryToken}
	dir := t.TempDir()

	env[envHelperAddr] = filepath.Join(dir, "first.addr")
	first := startHelper(t, "receiver", env)
	endpoint := receiverAddr(t, env[envHelperAddr])
	if code, rep := postEvent(t, endpoint, deliveryToken, minioBody(name, manifestKey, "etag-c"), 5*time.Second); code != http.StatusOK || rep.Outcomes[0].Status != StatusReceived {
		t.Fatalf("delivery: %d %+v", code, rep)
	}
	waitUntil(t, 30*time.Second, "the run starts", func() bool { return statuses(runRecords(t, b, QualityCheck)) == StatusRunning })
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.wait(t, 10*time.Second)
	t0 := time.Now()

	env[envHelperAddr] = filepath.Join(dir, "second.addr")
	second := startHelper(t, "receiver", env)
	receiverAddr(t, env[envHelperAddr])
	var m Marker
	waitUntil(t, 60*time.Second, "the event is handled", func() bool {
		return blob.ReadJSON(ctx, b, layout.EventMarker(QualityCheck, manifestKey, "etag-c"), &m) == nil
	})
	t.Logf("restart to the event handled: %s", time.Since(t0).Round(time.Millisecond))
	runs := runRecords(t, b, QualityCheck)
	if got := statuses(runs); m.Status != StatusOK || got != "abandoned,ok" {
		t.Errorf("marker %s, runs %s; want ok and abandoned,ok", m.Status, got)
	} else if !strings.Contains(runs[0].Error, runs[1].ID) {
		t.Errorf("the abandoned record does not name the run that took over: %q", runs[0].Error)
	}
	if ok, _ := blob.Exists(ctx, b, "out/"+manifestKey); !ok {
		t.Error("no output")
	}
	if left := keys(t, b, "runs/quality-check/inbox/"); len(left) != 0 {
		t.Errorf("inbox not emptied: %v", left)
	}
	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := second.wait(t, 30*time.Second); code != 0 {
		t.Errorf("the second receiver exited %d on SIGTERM", code)
	}
}

// (d) Two processes given the same event at once: one runs it, the other waits for
// that run and ends as its duplicate.
func TestTwoProcessesOneEvent(t *testing.T) {
	name, bucketURL, b := minioBucket(t)
	file := tempFile(t, "event.json", minioBody(name, manifestKey, "etag-d"))
	env := map[string]string{envHelperBucket: bucketURL, envHelperLease: "5s", envHelperWork: "1s", envHelperEvent: file}
	p1, p2 := startHelper(t, "event", env), startHelper(t, "event", env)
	if c1, c2 := p1.wait(t, 60*time.Second), p2.wait(t, 60*time.Second); c1 != 0 || c2 != 0 {
		t.Fatalf("exit codes %d, %d", c1, c2)
	}
	if got := statuses(runRecords(t, b, QualityCheck)); got != StatusOK {
		t.Errorf("run records %q, want one ok", got)
	}
	logs := p1.stderr.String() + p2.stderr.String()
	if n := strings.Count(logs, `"msg":"duplicate event: already handled"`); n != 1 {
		t.Errorf("%d processes ended as a duplicate, want 1", n)
	}
}
