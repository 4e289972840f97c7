package cuda

import (
	"fmt"
	"unsafe"
)

// Work that stays on the device between calls: a training step resident on the GPU
// (package accel) keeps its parameters, moments and activations in Bufs, issues its
// launches and matrix products through a Queue in one Device.Run, and copies only
// what it must. The Device counts every copy (Copies), so a test can hold the step
// to its budget.

// Buf is a named device allocation of N float32 (or int32, or N/2 float64) values
// that stays allocated between calls.
type Buf struct {
	Ptr Ptr
	N   int
}

// At is the address of value off (4-byte values) of b.
func (b Buf) At(off int) Ptr { return b.Ptr + Ptr(4*off) }

// Copies counts host↔device transfers and their bytes.
type Copies struct {
	HtoD, DtoH, Bytes int64
}

// Copies returns the transfers since the Device opened (or since ResetCopies).
func (dv *Device) Copies() Copies {
	var c Copies
	_ = dv.do(func() error { c = dv.copies; return nil })
	return c
}

// ResetCopies zeroes the transfer counts.
func (dv *Device) ResetCopies() { _ = dv.do(func() error { dv.copies = Copies{}; return nil }) }

// Gemmer is the matrix product of a Runtime (cuBLAS on a GPU) over device memory:
// row-major c = op(a)·op(b) + beta·c with a m×k (k×m if ta), b k×n (n×k if tb), c m×n.
type Gemmer interface {
	Gemm(c, a, b Ptr, m, k, n int, ta, tb bool, beta float32) error
}

// Queue issues device work on the Device's worker thread; it is valid only inside
// the Run call that made it.
type Queue struct{ dv *Device }

// Run calls f on the worker thread with a Queue, then waits for the queued work.
func (dv *Device) Run(what string, f func(q *Queue) error) error {
	return dv.do(func() error {
		if err := f(&Queue{dv}); err != nil {
			return err
		}
		return dv.sync(what)
	})
}

// Alloc returns the buffer called name with room for n 4-byte values (allocated once,
// grown when n is larger, never freed before Close).
func (q *Queue) Alloc(name string, n int) (Buf, error) {
	p, err := q.dv.buf(name, n)
	return Buf{Ptr: p, N: n}, err
}

// Put copies s into dst (one counted transfer).
func Put[T float32 | int32](q *Queue, dst Buf, s []T) error {
	if len(s) > dst.N {
		return fmt.Errorf("put %d values into a buffer of %d: %w", len(s), dst.N, ErrShape)
	}
	if len(s) == 0 {
		return nil
	}
	if err := q.dv.htod(dst.Ptr, unsafe.Pointer(&s[0]), int64(len(s))*4); err != nil {
		return fmt.Errorf("%w: copy to the device: %w", ErrDevice, err)
	}
	return nil
}

// Get copies len(s) values of src into s (one counted transfer).
func Get[T float32 | int32 | float64](q *Queue, s []T, src Ptr) error {
	if len(s) == 0 {
		return nil
	}
	if err := q.dv.dtoh(unsafe.Pointer(&s[0]), src, int64(len(s))*int64(unsafe.Sizeof(s[0]))); err != nil {
		return fmt.Errorf("%w: copy from the device: %w", ErrDevice, err)
	}
	return nil
}

// Launch runs kernel k over n threads; arguments are Ptr, int64 or float64.
func (q *Queue) Launch(k string, n int, args ...any) error { return q.dv.launch(k, n, args...) }

// Gemm is the row-major product c = op(a)·op(b) + beta·c on the runtime's Gemmer.
func (q *Queue) Gemm(c, a, b Ptr, m, k, n int, ta, tb bool, beta float32) error {
	g, ok := q.dv.rt.(Gemmer)
	if !ok {
		return fmt.Errorf("%w: runtime %T has no matrix product", ErrDevice, q.dv.rt)
	}
	if m == 0 || n == 0 {
		return nil
	}
	if err := g.Gemm(c, a, b, m, k, n, ta, tb, beta); err != nil {
		return fmt.Errorf("%w: gemm %dx%dx%d: %w", ErrDevice, m, k, n, err)
	}
	return nil
}
