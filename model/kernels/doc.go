// Package kernels holds the fused sequence-scan kernels of SS4Rec: the time-aware S5
// scan (diagonal complex state, zero-order hold with per-position steps from time
// gaps) and the Mamba selective scan (input-dependent step, B and C). Each has a
// forward and a hand-written backward over flat float32 slices.
//
// The kernels sit behind the Backend interface, the seam through which a GPU
// implementation (a cuda-tagged file set, elsewhere) can be added beside the CPU one.
// Layouts are row-major: a sequence tensor [B,T,H] is indexed ((b*T)+t)*H+h.
//
// Sequences are right-padded. Both scans are causal, so padding positions (which
// come after every real position) can never reach a real position; callers give
// padding a zero gap and a zero output gradient.
package kernels
