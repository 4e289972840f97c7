//go:build !cuda

package cuda

import (
	"context"
	"log/slog"
)

// Built reports whether this binary has the GPU code (the `cuda` tag).
func Built() bool { return false }

// Open reports ErrNotBuilt: this binary was built without the `cuda` tag, so it has
// no GPU code (and never links gorgonia.org/cu). Callers can offer a --device flag
// in every build and fail clearly here.
func Open(ctx context.Context, log *slog.Logger) (*Device, error) {
	return nil, ErrNotBuilt
}
