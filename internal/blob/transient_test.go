package blob_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestIsTransient(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"not found", fmt.Errorf("get k: %w", blob.ErrNotFound), false},
		{"exists", fmt.Errorf("put k: %w", blob.ErrExists), false},
		{"invalid key", blob.ErrInvalidKey, false},
		{"canceled", fmt.Errorf("get: %w", context.Canceled), false},
		{"deadline (per-attempt timeout)", context.DeadlineExceeded, true},
		{"500", httpStatusErr{500, "InternalError"}, true},
		{"503 slowdown", httpStatusErr{503, "SlowDown"}, true},
		{"502 unknown code", httpStatusErr{502, "BadGateway"}, true},
		{"429", httpStatusErr{429, ""}, true},
		{"409 conditional conflict", httpStatusErr{409, "ConditionalRequestConflict"}, true},
		{"409 other", httpStatusErr{409, "BucketAlreadyExists"}, false},
		{"412", httpStatusErr{412, "PreconditionFailed"}, false},
		{"403", httpStatusErr{403, "AccessDenied"}, false},
		{"400", httpStatusErr{400, "InvalidArgument"}, false},
		{"net timeout", &net.OpError{Op: "read", Err: timeoutErr{}}, true},
		{"connection reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"connection refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, true},
		{"unexpected EOF", io.ErrUnexpectedEOF, true},
		{"EOF mid-response", fmt.Errorf("send request: %w", io.EOF), true},
		{"plain error", errors.New("bad CSV"), false},
	} {
		if got := blob.IsTransient(tc.err); got != tc.want {
			t.Errorf("%s: IsTransient(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}
