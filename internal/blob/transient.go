package blob

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
)

// transientCodes are S3 error codes worth another try whatever their status.
var transientCodes = map[string]bool{
	"ConditionalRequestConflict": true, // 409: a concurrent conditional write was in flight
	"SlowDown":                   true,
	"RequestTimeout":             true,
	"RequestTimeTooSkewed":       false,
	"InternalError":              true,
	"ServiceUnavailable":         true,
	"Throttling":                 true,
	"ThrottlingException":        true,
	"XMinioServerNotInitialized": true,
}

// IsTransient reports whether err is worth retrying: a 5xx or 429 answer, a timeout, a
// connection refused/reset/closed (EOF mid-response), or 409 ConditionalRequestConflict.
// Missing objects, lost conditional writes, invalid keys, other 4xx answers and a
// cancelled context are permanent.
func IsTransient(err error) bool {
	switch {
	case err == nil,
		errors.Is(err, context.Canceled),
		errors.Is(err, ErrNotFound),
		errors.Is(err, ErrExists),
		errors.Is(err, ErrInvalidKey):
		return false
	}
	var coded interface{ ErrorCode() string }
	if errors.As(err, &coded) {
		if t, ok := transientCodes[coded.ErrorCode()]; ok {
			return t
		}
	}
	var status interface{ HTTPStatusCode() int }
	if errors.As(err, &status) && status.HTTPStatusCode() > 0 {
		c := status.HTTPStatusCode()
		return c >= 500 || c == 429 || c == 408
	}
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout(),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, net.ErrClosed):
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return true
	}
	var conn interface{ ConnectionError() bool } // smithy-go's RequestSendError
	return errors.As(err, &conn) && conn.ConnectionError()
}
