package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
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

// slowStep is a quality-check stand-in: it works for d (or until cancelled), then
// writes out/<key> holding the ETag.
func slowStep(d time.Duration) Function {
	return Function{Name: QualityCheck, OnEvent: func(ctx context.Context, env *Env, ev Event) error {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
		_, err := blob.PutBytes(ctx, env.Bucket, "out/"+ev.Key, []byte(ev.ETag), blob.PutOptions{})
		return err
	}}
}

// minioBody is a MinIO webhook notification of key (version etag) in bucket.
func minioBody(bucket, key, etag string) string {
	return fmt.Sprintf(`{"EventName":"s3:ObjectCreated:Put","Key":"%s/%s","Records":[{"eventVersion":"2.0","eventSource":"minio:s3","eventTime":"2026-12-05T10:00:00.000Z","eventName":"s3:ObjectCreated:Put","s3":{"bucket":{"name":"%s"},"object":{"key":"%s","size":10,"eTag":"%s"}}}]}`,
		bucket, key, bucket, url.QueryEscape(key), etag)
}

// postEvent delivers body to a receiver as MinIO does, with the given client
// deadline, and decodes the answer.
func postEvent(t *testing.T, endpoint, token, body string, deadline time.Duration) (int, WebhookReply) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Timeout: deadline}).Do(req)
	if err != nil {
		t.Fatalf("deliver to %s: %v", endpoint, err)
	}
	defer resp.Body.Close()
	var rep WebhookReply
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		t.Fatalf("answer of %s: %v", endpoint, err)
	}
	return resp.StatusCode, rep
}

// minioBucket is a fresh bucket on the shared MinIO: its name, the URL another
// process opens it with (credentials from the environment), and the bucket.
func minioBucket(t *testing.T) (string, string, blob.Bucket) {
	t.Helper()
	s := miniotest.Shared(t)
	name := s.NewBucket(t)
	u := fmt.Sprintf("s3://%s?endpoint=%s&region=%s", name, url.QueryEscape(s.Endpoint), s.Region)
	return name, u, blob.WithRetry(s.S3(t, name, ""), blob.DefaultRetryPolicy())
}

// waitUntil polls cond every 20 ms until it holds or limit passes.
func waitUntil(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Environment of a helper process (this test binary started again, see
// TestHelperProcess).
const (
	envHelper       = "JOBS_TEST_HELPER" // "receiver" or "event"
	envHelperBucket = "JOBS_TEST_BUCKET"
	envHelperLease  = "JOBS_TEST_LEASE"
	envHelperWork   = "JOBS_TEST_WORK"
	envHelperAddr   = "JOBS_TEST_ADDR_FILE"
	envHelperEvent  = "JOBS_TEST_EVENT_FILE"
	envHelperToken  = "JOBS_TEST_TOKEN"
)

// helper is a process of this test binary running the jobs runtime: a receiver
// (Serve with a Webhook) or a binary given --event, hosting slowStep.
type helper struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan error
}

func startHelper(t *testing.T, mode string, env map[string]string) *helper {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.v=false")
	cmd.Env = append(os.Environ(), envHelper+"="+mode)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	h := &helper{cmd: cmd, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = h.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { h.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-h.done
		if t.Failed() {
			t.Logf("%s helper (pid %d) stderr:\n%s", mode, cmd.Process.Pid, h.stderr)
		}
	})
	return h
}

// wait returns the helper's exit code.
func (h *helper) wait(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case err := <-h.done:
		h.done <- err // for the cleanup
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(limit):
		t.Fatalf("helper did not exit within %s:\n%s", limit, h.stderr)
		return -1
	}
}

// receiverAddr waits for a receiver helper to write the address it listens on.
func receiverAddr(t *testing.T, file string) string {
	t.Helper()
	var addr []byte
	waitUntil(t, 30*time.Second, "the receiver listens", func() bool {
		addr, _ = os.ReadFile(file)
		return bytes.HasSuffix(addr, []byte("\n"))
	})
	return "http://" + strings.TrimSpace(string(addr)) + "/minio/events"
}

// TestHelperProcess is not a test: it is the body of the helper processes.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(envHelper)
	if mode == "" {
		t.Skip("runs only as a helper process")
	}
	os.Exit(helperMain(mode))
}

func helperMain(mode string) int {
	ctx, stop := SignalContext()
	defer stop()
	log, err := NewLogger(os.Stderr, "debug", true)
	if err != nil {
		return exitUsage
	}
	lease, _ := time.ParseDuration(os.Getenv(envHelperLease))
	work, _ := time.ParseDuration(os.Getenv(envHelperWork))
	bucketURL := os.Getenv(envHelperBucket)
	b, err := blob.Open(ctx, bucketURL)
	if err != nil {
		log.Error("open", "err", err)
		return exitFailed
	}
	defer b.Close()
	switch mode {
	case "event":
		prev := deliveryDefaults
		deliveryDefaults = DeliveryOptions{Lease: lease}
		defer func() { deliveryDefaults = prev }()
		c := &CommonFlags{Bucket: bucketURL, Event: os.Getenv(envHelperEvent)}
		return runWith(ctx, c, slowStep(work), nil, nil, nil, b, log)
	case "receiver":
		d := NewDispatcher(b, log)
		d.SetOptions(DeliveryOptions{Lease: lease, Retry: RetryPolicy{MaxAttempts: 3, Initial: 100 * time.Millisecond}})
		if err := d.Register(slowStep(work)); err != nil {
			return exitUsage
		}
		wh, err := NewWebhook(d, os.Getenv(envHelperToken), bucketURL, 2)
		if err != nil {
			return exitUsage
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return exitFailed
		}
		mux := http.NewServeMux()
		mux.Handle("/minio/events", wh)
		addrFile := os.Getenv(envHelperAddr)
		if err := os.WriteFile(addrFile+".tmp", []byte(l.Addr().String()+"\n"), 0o644); err != nil {
			return exitFailed
		}
		if err := os.Rename(addrFile+".tmp", addrFile); err != nil {
			return exitFailed
		}
		if err := Serve(ctx, l, mux, wh.Queue(), log); err != nil {
			log.Error("serve", "err", err)
			return exitFailed
		}
		return 0
	}
	return exitUsage
}

// runRecords returns the run records of function in b.
func runRecords(t *testing.T, b blob.Bucket, function string) []*Record {
	t.Helper()
	runs, err := ListRuns(context.Background(), b, function)
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

// statuses lists the records' statuses, in run id order.
func statuses(runs []*Record) string {
	var s []string
	for _, r := range runs {
		s = append(s, r.Status)
	}
	return strings.Join(s, ",")
}

func tempFile(t *testing.T, name, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
