//go:build !recpipe_cuda

package cuda

import (
	"context"
	"log/slog"
)

// Built reports whether this binary has the GPU code (the `recpipe_cuda` tag).
func Built() bool { return false }

// Open reports ErrNotBuilt: this binary was built without the `recpipe_cuda` tag, so it has
// no GPU code (and never links gorgonia.org/cu). Callers can offer a --device flag
// in every build and fail clearly here.
func Open(ctx context.Context, log *slog.Logger) (*Device, error) {
	return nil, ErrNotBuilt
}
