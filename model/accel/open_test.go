//go:build !cuemu && !recpipe_cuda

package accel_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/model/accel"
	"github.com/recpipe/recpipe/model/kernels/cuda"
)

// A binary built without the cuda tag has no device, and says how to get one.
func TestNoDeviceWithoutTheTag(t *testing.T) {
	if err := accel.Available(); !errors.Is(err, cuda.ErrNotBuilt) || !strings.Contains(err.Error(), "make build-cuda") {
		t.Errorf("Available() = %v, want cuda.ErrNotBuilt naming make build-cuda", err)
	}
	if a, err := accel.Open(context.Background(), nil); a != nil || !errors.Is(err, cuda.ErrNotBuilt) {
		t.Errorf("Open = %v, %v; want nil, cuda.ErrNotBuilt", a, err)
	}
}
