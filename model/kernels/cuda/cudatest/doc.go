// Package cudatest holds the equivalence checks of the GPU kernels against the CPU
// kernels, run on any cuda.Device: on a real GPU by the cuda-tagged tests of package
// cuda, and on the CPU emulation of package cuemu (the same .cu sources compiled as
// C++), so the checks themselves are exercised on machines without a GPU.
package cudatest
