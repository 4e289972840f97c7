//go:build cuemu

// emu.cpp: the CUDA kernels of package cuda compiled for the CPU. The shim below
// stands in for the CUDA C++ dialect; each launch runs its threads one after another.
// Built with -std=c++17 (ISO mode: GCC then defaults to -ffp-contract=off, so no
// multiply-add is fused, as the PTX is built with -fmad=false).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <cstdlib>
#include <utility>

struct emuDim { unsigned x; };
static emuDim blockIdx, blockDim, threadIdx;

#define __global__
#define __device__
#define __forceinline__ inline

static inline float __fadd_rn(float a, float b) { return a + b; }
static inline float __fmul_rn(float a, float b) { return a * b; }
static inline float __fsub_rn(float a, float b) { return a - b; }
static inline int __float_as_int(float f) { int i; std::memcpy(&i, &f, 4); return i; }
static inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }

// The kern_*.h links in this folder point at the .cu sources: the go command hashes
// the headers of a package's folder, so an edit of a kernel rebuilds the emulation.
#include "kern_common.h"
#include "kern_rows.h"
#include "kern_s5.h"
#include "kern_mamba.h"
#include "kern_step.h"
#include "kern_ss4rec.h"

template <class T> static T word(uint64_t v) {
    static_assert(sizeof(T) == 8, "kernel parameters must be 8 bytes");
    T t;
    std::memcpy(&t, &v, 8);
    return t;
}

template <class... P, size_t... I>
static void call(void (*k)(P...), const uint64_t* a, std::index_sequence<I...>) {
    k(word<P>(a[I])...);
}

// run launches k over grid x block threads with the 8-byte words args.
template <class... P>
static int run(void (*k)(P...), long long grid, long long block, const uint64_t* args, int nargs) {
    if (nargs != (int)sizeof...(P)) return -2;
    blockDim.x = (unsigned)block;
    for (long long b = 0; b < grid; b++) {
        blockIdx.x = (unsigned)b;
        for (long long t = 0; t < block; t++) {
            threadIdx.x = (unsigned)t;
            call(k, args, std::index_sequence_for<P...>{});
        }
    }
    return 0;
}

#define KERNEL(name) if (std::strcmp(kernel, #name) == 0) return run(name, grid, block, args, nargs);

extern "C" {

// emu_launch returns 0, -1 for an unknown kernel, -2 for a wrong argument count.
int emu_launch(const char* kernel, long long grid, long long block, const uint64_t* args, int nargs) {
    KERNEL(gather_rows)
    KERNEL(scatter_add_rows)
    KERNEL(adam_dense)
    KERNEL(adam_rows)
    KERNEL(s5_fwd_states)
    KERNEL(s5_fwd_out)
    KERNEL(s5_bwd_states)
    KERNEL(s5_bwd_du)
    KERNEL(s5_bwd_c)
    KERNEL(s5_bwd_b)
    KERNEL(s5_bwd_lambda)
    KERNEL(mamba_fwd)
    KERNEL(mamba_bwd_scan)
    KERNEL(mamba_bwd_bc)
    KERNEL(mamba_bwd_a)
    KERNEL(fill_zero)
    KERNEL(hadamard)
    KERNEL(bias_relu)
    KERNEL(relu_grad)
    KERNEL(col_sum)
    KERNEL(ncf_head)
    KERNEL(mse_loss)
    KERNEL(mse_grad)
    KERNEL(sq_norm)
    KERNEL(clip_scale)
    KERNEL(adam_dense_acc)
    KERNEL(adam_rows_acc)
    KERNEL(zero_rows)
    KERNEL(zero_f)
    KERNEL(vec_add)
    KERNEL(bias_add)
    KERNEL(embed_sum)
    KERNEL(scale_rows)
    KERNEL(dropout_mask)
    KERNEL(layer_norm_fwd)
    KERNEL(layer_norm_bwd)
    KERNEL(layer_norm_bwd_params)
    KERNEL(silu_fwd)
    KERNEL(silu_grad)
    KERNEL(conv_fwd)
    KERNEL(conv_bwd_x)
    KERNEL(conv_bwd_w)
    KERNEL(ss4rec_head)
    KERNEL(ss4rec_loss)
    KERNEL(ss4rec_head_bwd)
    KERNEL(window_tau)
    return -1;
}

uint64_t emu_alloc(long long bytes) { return (uint64_t)(uintptr_t)std::calloc(1, (size_t)bytes); }
void emu_free(uint64_t p) { std::free((void*)(uintptr_t)p); }
void emu_htod(uint64_t dst, const void* src, long long n) { std::memcpy((void*)(uintptr_t)dst, src, (size_t)n); }
void emu_dtoh(void* dst, uint64_t src, long long n) { std::memcpy(dst, (const void*)(uintptr_t)src, (size_t)n); }

}
