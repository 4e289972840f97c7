// Package accel trains the models on a GPU: it opens the cuda.Device of
// `train-gpu --device cuda` and attaches each model to it as a trainer.Accelerator.
//
// Which binary gets which device: a build with `-tags recpipe_cuda` (make build-cuda) opens
// GPU 0; a build with `-tags cuemu` opens the CPU emulation of the same .cu kernels
// (package cuemu), so the whole device path is tested on machines without a GPU; a
// plain build has no device and Open fails with cuda.ErrNotBuilt, which names
// make build-cuda. docs/gpu.md gives the design.
package accel
