//go:build cuemu

package accel

import (
	"context"
	"log/slog"

	"github.com/recpipe/recpipe/model/kernels/cuda"
	"github.com/recpipe/recpipe/model/kernels/cuda/cuemu"
)

// Emulated reports whether the device is the CPU emulation (-tags cuemu).
const Emulated = true

// Available is nil: the emulation is always there.
func Available() error { return nil }

func openDevice(ctx context.Context, log *slog.Logger) (*cuda.Device, error) {
	d, err := cuemu.Open(ctx)
	if err == nil && log != nil {
		log.Info("cuda device open", "gpu", d.Name, "note", "the .cu kernels compiled for the CPU (-tags cuemu)")
	}
	return d, err
}
