// Package cuemu runs the CUDA kernels of package cuda on the CPU, to test them where
// no GPU is: under the `cuemu` build tag it compiles the very .cu sources as C++ (a
// shim defines __global__, blockIdx and the CUDA intrinsics they use), runs every
// launch serially thread by thread, and implements cuda.Runtime over host memory, with
// kernel arguments passed as 8-byte words exactly as gorgonia.org/cu passes them. The
// equivalence checks of package cudatest then run against it.
//
//	go test -tags cuemu ./model/kernels/cuda/cuemu/
//
// It proves the kernels' arithmetic, indexing and argument order and this package's
// launch code; it cannot show races, launch limits or the GPU's math library (see
// docs/gpu.md). Without the tag the package is empty and needs no C++ compiler.
package cuemu
