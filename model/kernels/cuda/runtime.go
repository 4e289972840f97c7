package cuda

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"unsafe"
)

// ErrDevice wraps every failure reported by the GPU runtime (driver, cuBLAS).
var ErrDevice = errors.New("cuda device")

// ErrNotBuilt is returned by Open in a build without the `recpipe_cuda` tag.
var ErrNotBuilt = errors.New("this binary has no GPU support: build it with `make build-cuda` (go build -tags recpipe_cuda; docs/gpu.md)")

// Ptr is a device address.
type Ptr uintptr

// Runtime is the little of a GPU driver the Device needs. The `cuda` build implements
// it with gorgonia.org/cu (Open); the cuemu package implements it on the CPU by
// compiling the same .cu sources as C++, to test the kernels and this package's
// launch code without a GPU. Every method is called on the Device's worker thread.
type Runtime interface {
	Alloc(bytes int64) (Ptr, error)
	Free(p Ptr) error
	HtoD(dst Ptr, src unsafe.Pointer, bytes int64) error
	DtoH(dst unsafe.Pointer, src Ptr, bytes int64) error
	// Launch runs kernel over grid blocks of block threads. Every argument is 8 bytes
	// (a Ptr, an int64, or a float64's bits), as gorgonia.org/cu passes them.
	Launch(kernel string, grid, block int, args []uint64) error
	// Sync waits for the queued work and reports an asynchronous failure.
	Sync() error
	// Close releases the runtime (context, handles).
	Close() error
}

// Device runs the kernels on one Runtime. Contexts are per OS thread, so every
// runtime call happens on one locked worker goroutine; the methods are safe for
// concurrent use and run one at a time.
type Device struct {
	Name string
	rt   Runtime
	jobs chan func()
	quit chan struct{}
	bufs map[string]*devBuf
	// copies counts the host↔device transfers (worker thread only; read through Copies).
	copies Copies
}

// NewDevice starts the worker and calls open on its thread (where a CUDA context is
// created and stays current).
func NewDevice(ctx context.Context, name string, open func() (Runtime, error)) (*Device, error) {
	d := &Device{Name: name, jobs: make(chan func()), quit: make(chan struct{}), bufs: map[string]*devBuf{}}
	ready := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		rt, err := open()
		if err != nil {
			ready <- err
			return
		}
		d.rt = rt
		ready <- nil
		for {
			select {
			case f := <-d.jobs:
				f()
			case <-d.quit:
				return
			}
		}
	}()
	select {
	case err := <-ready:
		if err != nil {
			return nil, err
		}
		return d, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// do runs f on the worker thread and returns its error.
func (d *Device) do(f func() error) error {
	done := make(chan error, 1)
	d.jobs <- func() { done <- f() }
	return <-done
}

// Close frees every buffer and the runtime, and stops the worker.
func (d *Device) Close() error {
	err := d.do(func() error {
		var errs []error
		for k, b := range d.bufs {
			if b.ptr != 0 {
				errs = append(errs, d.rt.Free(b.ptr))
			}
			delete(d.bufs, k)
		}
		errs = append(errs, d.rt.Close())
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("%w: close: %w", ErrDevice, err)
		}
		return nil
	})
	close(d.quit)
	return err
}

// devBuf is a named, grow-only device allocation reused across calls.
type devBuf struct {
	ptr   Ptr
	bytes int64
}

// buf returns the device buffer called name with room for n 4-byte values, growing
// it if needed. Worker thread only.
func (d *Device) buf(name string, n int) (Ptr, error) {
	need := int64(max(n, 1)) * 4
	b := d.bufs[name]
	if b == nil {
		b = &devBuf{}
		d.bufs[name] = b
	}
	if b.bytes >= need {
		return b.ptr, nil
	}
	if b.ptr != 0 {
		if err := d.rt.Free(b.ptr); err != nil {
			return 0, fmt.Errorf("%w: free %s: %w", ErrDevice, name, err)
		}
		b.ptr, b.bytes = 0, 0
	}
	p, err := d.rt.Alloc(need)
	if err != nil {
		return 0, fmt.Errorf("%w: alloc %s (%d bytes): %w", ErrDevice, name, need, err)
	}
	b.ptr, b.bytes = p, need
	return p, nil
}

// upload copies s into the buffer called name and returns it. Worker thread only.
func upload[T float32 | int32](d *Device, name string, s []T) (Ptr, error) {
	p, err := d.buf(name, len(s))
	if err != nil || len(s) == 0 {
		return p, err
	}
	if err := d.htod(p, unsafe.Pointer(&s[0]), int64(len(s))*4); err != nil {
		return 0, fmt.Errorf("%w: upload %s: %w", ErrDevice, name, err)
	}
	return p, nil
}

// uploadAll uploads named host slices and returns their device pointers in order.
func (d *Device) uploadAll(names []string, ss ...[]float32) ([]Ptr, error) {
	out := make([]Ptr, len(ss))
	for i, s := range ss {
		p, err := upload(d, names[i], s)
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

// download copies len(s) values of p into s. Worker thread only.
func (d *Device) download(p Ptr, s []float32, what string) error {
	if len(s) == 0 {
		return nil
	}
	if err := d.dtoh(unsafe.Pointer(&s[0]), p, int64(len(s))*4); err != nil {
		return fmt.Errorf("%w: download %s: %w", ErrDevice, what, err)
	}
	return nil
}

// htod and dtoh are the runtime's copies, counted. Worker thread only.
func (d *Device) htod(dst Ptr, src unsafe.Pointer, bytes int64) error {
	d.copies.HtoD++
	d.copies.Bytes += bytes
	return d.rt.HtoD(dst, src, bytes)
}

func (d *Device) dtoh(dst unsafe.Pointer, src Ptr, bytes int64) error {
	d.copies.DtoH++
	d.copies.Bytes += bytes
	return d.rt.DtoH(dst, src, bytes)
}

// launch runs kernel k over n threads (a 1-D grid of BlockSize blocks). Each argument
// must be a Ptr, int64 or float64. Worker thread only.
func (d *Device) launch(k string, n int, args ...any) error {
	words := make([]uint64, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case Ptr:
			words[i] = uint64(v)
		case int64:
			words[i] = uint64(v)
		case float64:
			words[i] = math.Float64bits(v)
		default:
			return fmt.Errorf("%w: kernel %s argument %d has type %T, want Ptr, int64 or float64", ErrDevice, k, i, a)
		}
	}
	if err := d.rt.Launch(k, Grid(n), BlockSize, words); err != nil {
		return fmt.Errorf("%w: launch %s: %w", ErrDevice, k, err)
	}
	return nil
}

// sync waits for the queued work. Worker thread only.
func (d *Device) sync(what string) error {
	if err := d.rt.Sync(); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrDevice, what, err)
	}
	return nil
}
