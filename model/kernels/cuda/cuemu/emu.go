//go:build cuemu

package cuemu

/*
#cgo CXXFLAGS: -std=c++17 -O2 -I${SRCDIR}/..
#include <stdint.h>
#include <stdlib.h>
int emu_launch(const char* kernel, long long grid, long long block, const uint64_t* args, int nargs);
uint64_t emu_alloc(long long bytes);
void emu_free(uint64_t p);
void emu_htod(uint64_t dst, const void* src, long long n);
void emu_dtoh(void* dst, uint64_t src, long long n);
*/
import "C"

import (
	"context"
	"fmt"
	"unsafe"

	"github.com/recpipe/recpipe/model/kernels/cuda"
)

// Open returns a cuda.Device whose kernels run on the CPU emulation.
func Open(ctx context.Context) (*cuda.Device, error) {
	return cuda.NewDevice(ctx, "cpu emulation", func() (cuda.Runtime, error) { return runtime{}, nil })
}

// runtime implements cuda.Runtime over C heap memory.
type runtime struct{}

func (runtime) Alloc(bytes int64) (cuda.Ptr, error) {
	p := C.emu_alloc(C.longlong(bytes))
	if p == 0 {
		return 0, fmt.Errorf("emulated alloc of %d bytes failed", bytes)
	}
	return cuda.Ptr(p), nil
}
func (runtime) Free(p cuda.Ptr) error { C.emu_free(C.uint64_t(p)); return nil }
func (runtime) HtoD(dst cuda.Ptr, src unsafe.Pointer, bytes int64) error {
	C.emu_htod(C.uint64_t(dst), src, C.longlong(bytes))
	return nil
}
func (runtime) DtoH(dst unsafe.Pointer, src cuda.Ptr, bytes int64) error {
	C.emu_dtoh(dst, C.uint64_t(src), C.longlong(bytes))
	return nil
}
func (runtime) Sync() error  { return nil }
func (runtime) Close() error { return nil }

func (runtime) Launch(kernel string, grid, block int, args []uint64) error {
	name := C.CString(kernel)
	defer C.free(unsafe.Pointer(name))
	var argp *C.uint64_t
	if len(args) > 0 {
		argp = (*C.uint64_t)(unsafe.Pointer(&args[0]))
	}
	switch rc := C.emu_launch(name, C.longlong(grid), C.longlong(block), argp, C.int(len(args))); rc {
	case 0:
		return nil
	case -1:
		return fmt.Errorf("emulated launch: no kernel %s", kernel)
	case -2:
		return fmt.Errorf("emulated launch: kernel %s takes another number of arguments than %d", kernel, len(args))
	default:
		return fmt.Errorf("emulated launch of %s: code %d", kernel, int(rc))
	}
}
