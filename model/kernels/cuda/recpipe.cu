// recpipe.cu: the one translation unit nvcc compiles to ptx/recpipe.ptx (one module,
// loaded once by cuda.Open): every kernel source of this package.
//
//   nvcc -ptx -fmad=false -arch=compute_90 -o ptx/recpipe.ptx recpipe.cu
#include "rows.cu"
#include "s5.cu"
#include "mamba.cu"
#include "step.cu"
#include "ss4rec.cu"
