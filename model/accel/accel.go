package accel

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/recpipe/recpipe/model/kernels/cuda"
	"github.com/recpipe/recpipe/model/ncf"
	"github.com/recpipe/recpipe/model/ss4rec"
	"github.com/recpipe/recpipe/model/trainer"
)

// Accel is an open device that models are trained on.
type Accel struct {
	D *cuda.Device
}

var _ trainer.Accelerator = (*Accel)(nil)

// Open opens the device of this build (GPU 0, or the CPU emulation under -tags cuemu).
func Open(ctx context.Context, log *slog.Logger) (*Accel, error) {
	d, err := openDevice(ctx, log)
	if err != nil {
		return nil, err
	}
	return &Accel{D: d}, nil
}

// Close releases the device.
func (a *Accel) Close() error { return a.D.Close() }

// Attach implements trainer.Accelerator: SS4Rec and NCF get their whole training step
// resident on the device (ss4recStep, ncfStep); any other model is refused.
func (a *Accel) Attach(m trainer.Trainable, params []*trainer.Param, adam *trainer.Adam, tc trainer.TrainConfig) (trainer.DeviceStepper, error) {
	switch m := m.(type) {
	case *ss4rec.Model:
		return newSS4RecStep(a.D, m, params, adam, tc)
	case *ncf.NCF:
		return newNCFStep(a.D, m, params, adam, tc)
	default:
		return nil, fmt.Errorf("model %s has no device step", m.Name())
	}
}
