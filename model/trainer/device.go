package trainer

import "context"

// Accelerator runs a run's training steps on a device (train-gpu --device cuda). The
// trainer attaches it once the model is built and its state restored, and keeps
// everything else (shuffling, validation, early stopping, checkpoints) on the host.
type Accelerator interface {
	// Attach prepares m, its params and the Adam state for training on the device. It
	// returns a DeviceStepper when the whole step runs there, or nil when the model's
	// own Step runs on the host with its hot kernels on the device.
	Attach(m Trainable, params []*Param, adam *Adam, tc TrainConfig) (DeviceStepper, error)
}

// DeviceStepper runs whole training steps on a device: forward, backward, the
// non-finite checks, clipping and Adam, with parameters, moments and activations
// resident there between steps. Only the batch's indices go to the device and only
// the step's scalars come back.
type DeviceStepper interface {
	// Step runs batch b with learning rate lr and clip norm clip (0: none).
	Step(ctx context.Context, b Batch, lr, clip float64) (DeviceStep, error)
	// Pull copies the values, moments and this step's gradients from the device into
	// the params and the Adam state (before validation and checkpoints, and to locate a
	// non-finite value).
	Pull() error
}

// DeviceStep is what one device step reports: the loss, the pre-clip global gradient
// norm, and which check failed ("" when none; else "loss", "gradient" or "value").
// A step whose loss or gradients are not finite leaves the parameters unchanged.
type DeviceStep struct {
	Loss      Loss
	Norm      float64
	NonFinite string
}
