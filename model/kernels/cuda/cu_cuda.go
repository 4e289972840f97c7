//go:build recpipe_cuda

package cuda

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"unsafe"

	"gorgonia.org/cu"
	cublas "gorgonia.org/cu/blas"
)

// ptxDir holds ptx/recpipe.ptx when scripts/cuda-ptx.sh ran before the build (the
// folder always holds its README, so a build without the PTX still compiles).
//
//go:embed ptx
var ptxDir embed.FS

// ErrNoPTX is returned by Open when no PTX was embedded and $RECPIPE_CUDA_PTX is unset.
var ErrNoPTX = errors.New("no PTX: run scripts/cuda-ptx.sh before building, or set RECPIPE_CUDA_PTX")

// Built reports whether this binary has the GPU code (the `recpipe_cuda` tag).
func Built() bool { return true }

// loadPTX returns the PTX named by $RECPIPE_CUDA_PTX, else the embedded one.
func loadPTX() (ptx, src string, err error) {
	if src = os.Getenv("RECPIPE_CUDA_PTX"); src != "" {
		b, err := os.ReadFile(src)
		if err != nil {
			return "", "", fmt.Errorf("read PTX: %w", err)
		}
		return string(b), src, nil
	}
	b, err := ptxDir.ReadFile("ptx/recpipe.ptx")
	if err != nil {
		return "", "", ErrNoPTX
	}
	return string(b), "embedded", nil
}

// Open creates a context on GPU 0 (on the Device's worker thread), loads the PTX,
// resolves every kernel of Kernels and creates a cuBLAS handle.
func Open(ctx context.Context, log *slog.Logger) (*Device, error) {
	ptx, src, err := loadPTX()
	if err != nil {
		return nil, err
	}
	dev := cu.Device(0)
	name, err := dev.Name()
	if err != nil {
		return nil, fmt.Errorf("%w: device 0: %w", ErrDevice, err)
	}
	d, err := NewDevice(ctx, name, func() (Runtime, error) { return openCu(dev, ptx) })
	if err != nil {
		return nil, err
	}
	if log != nil {
		log.Info("cuda device open", "gpu", name, "driver", cu.Version(), "ptx", src, "kernels", len(KernelNames()))
	}
	return d, nil
}

// cuRuntime is the Runtime of a real GPU, through gorgonia.org/cu's driver API.
type cuRuntime struct {
	ctx  cu.CUContext
	fns  map[string]cu.Function
	blas *cublas.Standard
}

func openCu(dev cu.Device, ptx string) (*cuRuntime, error) {
	ctx, err := dev.MakeContext(cu.SchedAuto) // current on this (the worker's) thread
	if err != nil {
		return nil, fmt.Errorf("%w: create context: %w", ErrDevice, err)
	}
	r := &cuRuntime{ctx: ctx, fns: map[string]cu.Function{}}
	mod, err := cu.LoadData(ptx)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("%w: load PTX: %w", ErrDevice, err), r.ctx.Destroy())
	}
	for _, k := range KernelNames() {
		fn, err := mod.Function(k)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("%w: kernel %s: %w", ErrDevice, k, err), r.ctx.Destroy())
		}
		r.fns[k] = fn
	}
	r.blas = cublas.New()
	return r, nil
}

func (r *cuRuntime) Alloc(bytes int64) (Ptr, error) {
	p, err := cu.MemAlloc(bytes)
	return Ptr(p), err
}
func (r *cuRuntime) Free(p Ptr) error { return cu.MemFree(cu.DevicePtr(p)) }
func (r *cuRuntime) HtoD(dst Ptr, src unsafe.Pointer, bytes int64) error {
	return cu.MemcpyHtoD(cu.DevicePtr(dst), src, bytes)
}
func (r *cuRuntime) DtoH(dst unsafe.Pointer, src Ptr, bytes int64) error {
	return cu.MemcpyDtoH(dst, cu.DevicePtr(src), bytes)
}
func (r *cuRuntime) Sync() error { return cu.Synchronize() }

// Launch passes each 8-byte word by address; cu copies 8 bytes from each.
func (r *cuRuntime) Launch(kernel string, grid, block int, args []uint64) error {
	fn, ok := r.fns[kernel]
	if !ok {
		return fmt.Errorf("kernel %s not loaded", kernel)
	}
	params := make([]unsafe.Pointer, len(args))
	for i := range args {
		params[i] = unsafe.Pointer(&args[i])
	}
	return fn.Launch(grid, 1, 1, block, 1, 1, 0, cu.NoStream, params)
}

func (r *cuRuntime) Close() error {
	return errors.Join(r.blas.Close(), r.ctx.Destroy())
}
