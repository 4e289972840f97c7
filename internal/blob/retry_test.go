package blob_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
)

// flaky fails the first failures calls of each operation with err, recording every attempt.
type flaky struct {
	blob.Bucket
	err      error
	failures int
	calls    map[string]int
	bodies   []string // what each Put attempt received
	landed   bool     // the failing Put attempts still store the body (answer lost)
}

func newFlaky(err error, failures int) *flaky {
	return &flaky{Bucket: blob.NewMem(), err: err, failures: failures, calls: map[string]int{}}
}

func (f *flaky) fail(op string) error {
	f.calls[op]++
	if f.calls[op] <= f.failures {
		return fmt.Errorf("%s: %w", op, f.err)
	}
	return nil
}

func (f *flaky) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := f.fail("get"); err != nil {
		return nil, err
	}
	return f.Bucket.Get(ctx, key)
}

func (f *flaky) Stat(ctx context.Context, key string) (blob.Attrs, error) {
	if err := f.fail("stat"); err != nil {
		return blob.Attrs{}, err
	}
	return f.Bucket.Stat(ctx, key)
}

func (f *flaky) Put(ctx context.Context, key string, r io.Reader, opts blob.PutOptions) (blob.Attrs, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return blob.Attrs{}, err
	}
	f.bodies = append(f.bodies, string(data))
	if err := f.fail("put"); err != nil {
		if f.landed {
			f.Bucket.Put(ctx, key, bytes.NewReader(data), opts)
		}
		return blob.Attrs{}, err
	}
	return f.Bucket.Put(ctx, key, bytes.NewReader(data), opts)
}

// httpStatusErr looks like an SDK response error.
type httpStatusErr struct {
	status int
	code   string
}

func (e httpStatusErr) Error() string       { return fmt.Sprintf("http %d %s", e.status, e.code) }
func (e httpStatusErr) HTTPStatusCode() int { return e.status }
func (e httpStatusErr) ErrorCode() string   { return e.code }

func fastPolicy(attempts int) blob.RetryPolicy {
	return blob.RetryPolicy{MaxAttempts: attempts, InitialInterval: time.Millisecond, MaxInterval: 2 * time.Millisecond,
		MaxElapsed: 5 * time.Second, Logger: slog.New(slog.DiscardHandler)}
}

func TestRetryAttempts(t *testing.T) {
	for _, tc := range []struct {
		name         string
		err          error
		failures     int
		wantAttempts int
		wantErr      error // nil: success
	}{
		{"503 then success", httpStatusErr{503, "SlowDown"}, 2, 3, nil},
		{"connection reset then success", syscall.ECONNRESET, 1, 2, nil},
		{"409 conflict then success", httpStatusErr{409, "ConditionalRequestConflict"}, 1, 2, nil},
		{"503 forever gives up", httpStatusErr{503, "ServiceUnavailable"}, 100, 4, syscall.Errno(0)},
		{"404 not retried", blob.ErrNotFound, 100, 1, blob.ErrNotFound},
		{"403 not retried", httpStatusErr{403, "AccessDenied"}, 100, 1, syscall.Errno(0)},
		{"invalid key not retried", blob.ErrInvalidKey, 100, 1, blob.ErrInvalidKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFlaky(tc.err, tc.failures)
			blob.PutBytes(t.Context(), f.Bucket, "k", []byte("v"), blob.PutOptions{})
			var logs bytes.Buffer
			p := fastPolicy(4)
			p.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			b := blob.WithRetry(f, p)
			_, err := b.Stat(t.Context(), "k")
			if got := f.calls["stat"]; got != tc.wantAttempts {
				t.Errorf("attempts = %d, want %d", got, tc.wantAttempts)
			}
			switch {
			case tc.wantErr == nil && err != nil:
				t.Errorf("err = %v, want success", err)
			case tc.wantErr != nil && err == nil:
				t.Error("succeeded, want an error")
			case tc.wantErr != nil && tc.wantErr != syscall.Errno(0) && !errors.Is(err, tc.wantErr):
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			if n := strings.Count(logs.String(), "storage retry"); n != tc.wantAttempts-1 {
				t.Errorf("logged %d retries, want %d:\n%s", n, tc.wantAttempts-1, logs.String())
			}
		})
	}
}

// A retried Put sends the whole body again, even when the body cannot seek.
func TestRetryPutResendsBody(t *testing.T) {
	f := newFlaky(httpStatusErr{500, "InternalError"}, 2)
	b := blob.WithRetry(f, fastPolicy(5))
	body := strings.Repeat("row,1,2,3\n", 1000)
	a, err := b.Put(t.Context(), "k", io.MultiReader(strings.NewReader(body)), blob.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.bodies) != 3 {
		t.Fatalf("put attempts = %d, want 3", len(f.bodies))
	}
	for i, got := range f.bodies {
		if got != body {
			t.Errorf("attempt %d sent %d bytes, want %d", i+1, len(got), len(body))
		}
	}
	if a.ETag != blob.ETagOf([]byte(body)) {
		t.Errorf("etag = %s", a.ETag)
	}
}

// A conditional Put whose first attempt landed but whose answer was lost succeeds on
// retry (the object is this body); one that finds another body loses with ErrExists.
func TestRetryConditionalPutLostAnswer(t *testing.T) {
	f := newFlaky(syscall.ECONNRESET, 1)
	f.landed = true
	b := blob.WithRetry(f, fastPolicy(3))
	if _, err := blob.PutBytes(t.Context(), b, "lock", []byte("mine"), blob.PutOptions{IfAbsent: true}); err != nil {
		t.Fatalf("conditional put whose first answer was lost: %v", err)
	}
	g := newFlaky(syscall.ECONNRESET, 1)
	blob.PutBytes(t.Context(), g.Bucket, "lock", []byte("theirs"), blob.PutOptions{})
	_, err := blob.PutBytes(t.Context(), blob.WithRetry(g, fastPolicy(3)), "lock", []byte("mine"), blob.PutOptions{IfAbsent: true})
	if !errors.Is(err, blob.ErrExists) {
		t.Fatalf("conditional put on a key taken by another body: err = %v, want ErrExists", err)
	}
}

func TestRetryStopsOnCancel(t *testing.T) {
	f := newFlaky(httpStatusErr{503, "SlowDown"}, 100)
	p := fastPolicy(100)
	p.InitialInterval, p.MaxInterval = 50*time.Millisecond, 50*time.Millisecond
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Millisecond)
	defer cancel()
	_, err := blob.WithRetry(f, p).Stat(ctx, "k")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's deadline", err)
	}
	if n := f.calls["stat"]; n < 2 || n > 4 {
		t.Errorf("attempts = %d, want 2..4 within the deadline", n)
	}
}

// cancelDuring is a bucket whose Stat cancels the caller's context and then answers
// 503: the context ends during an attempt, the race TestRetryStopsOnCancel can hit.
type cancelDuring struct {
	*flaky
	cancel context.CancelFunc
}

func (c cancelDuring) Stat(ctx context.Context, key string) (blob.Attrs, error) {
	c.cancel()
	return c.flaky.Stat(ctx, key)
}

// A context that ends while an attempt runs ends the retries with the context's
// error (and the last answer in the message), not the transient answer alone.
func TestRetryContextEndsDuringAttempt(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	b := cancelDuring{newFlaky(httpStatusErr{503, "SlowDown"}, 100), cancel}
	_, err := blob.WithRetry(b, fastPolicy(100)).Stat(ctx, "k")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want the context's cancellation", err)
	}
	if n := b.calls["stat"]; n != 1 {
		t.Errorf("attempts = %d, want 1", n)
	}
}
