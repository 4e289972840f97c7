package failreport

import (
	"context"
	"errors"
	"net"
	"net/url"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/google/go-github/v62/github"
)

// Retry bounds the retries of transient API errors.
type Retry struct {
	Initial    time.Duration // first wait
	Max        time.Duration // longest single wait
	MaxElapsed time.Duration // give up after this long in total
	MaxRetries uint64        // and after this many retries
}

// DefaultRetry waits 1s, 2s, 4s, ... up to 30s, at most 5 retries within 2 minutes.
func DefaultRetry() Retry {
	return Retry{Initial: time.Second, Max: 30 * time.Second, MaxElapsed: 2 * time.Minute, MaxRetries: 5}
}

func (r Retry) backOff(ctx context.Context) backoff.BackOff {
	b := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(r.Initial),
		backoff.WithMaxInterval(r.Max),
		backoff.WithMaxElapsedTime(r.MaxElapsed),
	)
	return backoff.WithContext(backoff.WithMaxRetries(b, r.MaxRetries), ctx)
}

// Transient reports whether err is worth retrying: a 5xx answer, a secondary rate limit,
// or a network error. 4xx answers, primary rate limits and cancellations are not.
func Transient(err error) bool {
	var abuse *github.AbuseRateLimitError
	var resp *github.ErrorResponse
	var nerr net.Error
	var uerr *url.Error
	switch {
	case err == nil, errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	case errors.As(err, &abuse):
		return true
	case errors.As(err, &resp):
		return resp.Response != nil && resp.Response.StatusCode >= 500
	case errors.As(err, &nerr), errors.As(err, &uerr):
		return true
	}
	return false
}

// waitSecondary honours a secondary rate limit's Retry-After (capped by max) before the
// next try; go-github refuses to send anything until then.
func waitSecondary(ctx context.Context, err error, max time.Duration) {
	var abuse *github.AbuseRateLimitError
	if !errors.As(err, &abuse) || abuse.RetryAfter == nil || *abuse.RetryAfter <= 0 {
		return
	}
	t := time.NewTimer(min(*abuse.RetryAfter, max))
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
