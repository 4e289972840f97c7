//go:build !cuda

package cuda

import (
	"context"
	"errors"
	"log/slog"
)

// ErrNotBuilt is returned by Open in a build without the `cuda` tag.
var ErrNotBuilt = errors.New("GPU support not built: rebuild with -tags cuda (docs/gpu.md)")

// Open reports ErrNotBuilt: this binary was built without the `cuda` tag, so it has
// no GPU code (and never links gorgonia.org/cu). Callers can offer a --device flag
// in every build and fail clearly here.
func Open(ctx context.Context, log *slog.Logger) (*Device, error) {
	return nil, ErrNotBuilt
}
