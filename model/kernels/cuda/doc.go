// Package cuda is the GPU implementation of the kernels seam (kernels.Backend) and of
// the other hot paths of training: the embedding gather and its row-sparse gradient,
// the fused lazy Adam update, and matrix products through cuBLAS.
//
// The kernels are CUDA C (*.cu in this folder; recpipe.cu is the translation unit),
// compiled to PTX by scripts/cuda-ptx.sh (`nvcc -ptx -fmad=false`) into
// ptx/recpipe.ptx, which a `-tags recpipe_cuda` build embeds; $RECPIPE_CUDA_PTX names a PTX
// file to load instead. They mirror the plain-Go kernels of model/kernels operation for
// operation (same flat float32 layouts, float64 where the Go code uses it, the same
// summation orders), so results agree with the CPU to float32 rounding; compiled for
// the CPU (package cuemu) they are bit-identical to kernels.CPU{Workers: 1}.
//
// A Device runs the kernels through a Runtime, the few driver calls it needs, on one
// locked worker thread. Only the `recpipe_cuda`-tagged files import gorgonia.org/cu (whose
// init exits the process when no CUDA driver is found): the untagged build is pure Go,
// and there Open returns ErrNotBuilt. docs/gpu.md gives the design, the build and run
// flow on a GPU machine, and what remains to verify there.
package cuda
