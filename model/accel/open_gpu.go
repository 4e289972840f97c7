//go:build !cuemu

package accel

import (
	"context"
	"log/slog"

	"github.com/recpipe/recpipe/model/kernels/cuda"
)

// Emulated reports whether the device is the CPU emulation (-tags cuemu).
const Emulated = false

// Available is nil when this binary can open a device, else cuda.ErrNotBuilt.
func Available() error {
	if !cuda.Built() {
		return cuda.ErrNotBuilt
	}
	return nil
}

func openDevice(ctx context.Context, log *slog.Logger) (*cuda.Device, error) {
	return cuda.Open(ctx, log)
}
