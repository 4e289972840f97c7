//go:build !recpipe_cuda

package cuda_test

import (
	"context"
	"errors"
	"testing"

	"github.com/recpipe/recpipe/model/kernels/cuda"
)

func TestOpenWithoutCudaTag(t *testing.T) {
	d, err := cuda.Open(context.Background(), nil)
	if d != nil || !errors.Is(err, cuda.ErrNotBuilt) {
		t.Errorf("Open = %v, %v; want nil, ErrNotBuilt", d, err)
	}
}
