package jobs

import (
	"time"

	"github.com/cenkalti/backoff/v4"
)

// RetryPolicy bounds how a receiver retries an event whose run failed in a way a
// retry can change: exponential backoff with jitter from Initial to Max between
// attempts, at most MaxAttempts attempts; then it gives up and marks the event failed.
type RetryPolicy struct {
	MaxAttempts int           // attempts, the first included; 1 or less: no retry
	Initial     time.Duration // wait before the second attempt
	Max         time.Duration // longest wait between attempts
}

// DefaultRetryPolicy: five attempts over about half a minute.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 5, Initial: 2 * time.Second, Max: 20 * time.Second}
}

// backOff returns a fresh schedule of the waits between attempts: after the last
// attempt it returns backoff.Stop.
func (p RetryPolicy) backOff() backoff.BackOff {
	e := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(max(p.Initial, time.Millisecond)),
		backoff.WithMaxInterval(max(p.Max, p.Initial, time.Millisecond)),
		backoff.WithMaxElapsedTime(0),
	)
	return backoff.WithMaxRetries(e, uint64(max(p.MaxAttempts-1, 0)))
}

// DeliveryOptions are how a Dispatcher's runs hold their events and retry them.
type DeliveryOptions struct {
	Lease time.Duration // a run's lease on its record and claim (0: DefaultLease)
	Retry RetryPolicy   // for Queues with an inbox (zero: DefaultRetryPolicy)
	Poll  time.Duration // how often a delivery looks again at an event another process holds (0: a tenth of the lease, at most 1 s)
}

func (o DeliveryOptions) withDefaults() DeliveryOptions {
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.Retry == (RetryPolicy{}) {
		o.Retry = DefaultRetryPolicy()
	}
	if o.Poll <= 0 {
		o.Poll = min(o.Lease/10, time.Second)
	}
	return o
}
