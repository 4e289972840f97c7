package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// RetryPolicy bounds the retries of transient storage errors (see IsTransient).
type RetryPolicy struct {
	// MaxAttempts counts every try, the first included (<= 0: 6).
	MaxAttempts int
	// InitialInterval is the first wait; it grows exponentially with jitter up to MaxInterval.
	InitialInterval time.Duration // <= 0: 100ms
	MaxInterval     time.Duration // <= 0: 5s
	// MaxElapsed stops retrying once this much time has passed since the first try.
	MaxElapsed time.Duration // <= 0: 1m
	// Logger receives one warning per retry (nil: slog.Default() at the time of the retry;
	// slog.New(slog.DiscardHandler) silences it).
	Logger *slog.Logger
}

// DefaultRetryPolicy is what Open uses for s3:// buckets.
func DefaultRetryPolicy() RetryPolicy { return RetryPolicy{}.withDefaults() }

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 6
	}
	if p.InitialInterval <= 0 {
		p.InitialInterval = 100 * time.Millisecond
	}
	if p.MaxInterval <= 0 {
		p.MaxInterval = 5 * time.Second
	}
	if p.MaxElapsed <= 0 {
		p.MaxElapsed = time.Minute
	}
	return p
}

func (p RetryPolicy) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.Default()
}

// WithRetry returns b with every operation retried on transient errors under p.
// A retried Put sends the whole body again (non-seekable bodies are spooled first).
// A conditional Put whose earlier attempt may have landed (the answer was lost) and
// whose retry finds the key taken succeeds when the stored object is this body.
func WithRetry(b Bucket, p RetryPolicy) Bucket { return &retrying{Bucket: b, p: p.withDefaults()} }

type retrying struct {
	Bucket
	p RetryPolicy
}

// do runs fn until it succeeds, fails permanently, or the policy gives up.
func (r *retrying) do(ctx context.Context, op, key string, fn func(attempt int) error) error {
	eb := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(r.p.InitialInterval),
		backoff.WithMaxInterval(r.p.MaxInterval),
		backoff.WithMaxElapsedTime(r.p.MaxElapsed),
	)
	bo := backoff.WithContext(backoff.WithMaxRetries(eb, uint64(r.p.MaxAttempts-1)), ctx)
	attempt := 0
	var last error
	err := backoff.RetryNotify(func() error {
		attempt++
		last = fn(attempt)
		switch {
		case last != nil && !IsTransient(last):
			return backoff.Permanent(last)
		case last != nil && ctx.Err() != nil: // the caller's deadline ended it, during the attempt
			return backoff.Permanent(ctx.Err())
		}
		return last
	}, bo, func(err error, wait time.Duration) {
		r.p.logger().WarnContext(ctx, "storage retry", "op", op, "key", key, "bucket", r.URL(),
			"attempt", attempt, "wait", wait, "err", err)
	})
	switch {
	case err == nil:
		return nil
	case attempt > 1 && ctx.Err() != nil && errors.Is(err, ctx.Err()) && last != nil && !errors.Is(last, ctx.Err()):
		return fmt.Errorf("%w (after %d attempts, last: %v)", err, attempt, last)
	case attempt > 1 && IsTransient(err):
		return fmt.Errorf("gave up after %d attempts: %w", attempt, err)
	}
	return err
}

// Get opens key; when the connection breaks while the body is read, the reader resumes
// from where it stopped (S3: a ranged GET of the same ETag).
func (r *retrying) Get(ctx context.Context, key string) (rc io.ReadCloser, err error) {
	err = r.do(ctx, "get", key, func(int) error { rc, err = r.Bucket.Get(ctx, key); return err })
	if err != nil {
		return nil, err
	}
	return r.resumable(ctx, key, rc, 0, -1), nil
}

func (r *retrying) GetRange(ctx context.Context, key string, off, n int64) (rc io.ReadCloser, err error) {
	err = r.do(ctx, "get", key, func(int) error { rc, err = GetRange(ctx, r.Bucket, key, off, n); return err })
	if err != nil {
		return nil, err
	}
	return r.resumable(ctx, key, rc, off, n), nil
}

func (r *retrying) Stat(ctx context.Context, key string) (a Attrs, err error) {
	err = r.do(ctx, "stat", key, func(int) error { a, err = r.Bucket.Stat(ctx, key); return err })
	return a, err
}

func (r *retrying) List(ctx context.Context, prefix string) (as []Attrs, err error) {
	err = r.do(ctx, "list", prefix, func(int) error { as, err = r.Bucket.List(ctx, prefix); return err })
	return as, err
}

func (r *retrying) Delete(ctx context.Context, key string) error {
	return r.do(ctx, "delete", key, func(int) error { return r.Bucket.Delete(ctx, key) })
}

func (r *retrying) Put(ctx context.Context, key string, body io.Reader, opts PutOptions) (a Attrs, err error) {
	if err := ValidateKey(key); err != nil {
		return Attrs{}, err
	}
	s, err := spool(ctx, body)
	if err != nil {
		return Attrs{}, fmt.Errorf("put %s: %w", key, err)
	}
	defer s.close()
	uncertain := false // an earlier attempt failed after the request may have been applied
	err = r.do(ctx, "put", key, func(attempt int) error {
		a, err = r.Bucket.Put(ctx, key, s.reader(), opts)
		if opts.IfAbsent && uncertain && errors.Is(err, ErrExists) {
			if mine, ok := r.ownWrite(ctx, key, s); ok {
				a, err = mine, nil
			}
		}
		uncertain = uncertain || IsTransient(err)
		return err
	})
	return a, err
}

// ownWrite reports whether the object under key is the body s, as after a conditional
// write that landed but whose answer was lost.
func (r *retrying) ownWrite(ctx context.Context, key string, s *spooled) (Attrs, bool) {
	cur, err := r.Stat(ctx, key) // retried too
	if err != nil || cur.Size != s.size {
		return Attrs{}, false
	}
	sum, err := s.md5()
	if err != nil || cur.ETag != sum {
		return Attrs{}, false
	}
	r.p.logger().InfoContext(ctx, "conditional put landed on an earlier attempt", "key", key, "etag", sum)
	return cur, true
}

// Unwrap returns the bucket without retries.
func (r *retrying) Unwrap() Bucket { return r.Bucket }
