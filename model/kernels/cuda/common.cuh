// common.cuh: helpers shared by the recpipe CUDA kernels. They mirror the plain-Go
// kernels of model/kernels bit for bit where the maths allows: build with
// `nvcc -ptx -fmad=false` so that no multiply-add is contracted into an FMA (Go on
// amd64 never fuses), and keep float32 and float64 where the Go code keeps them.
//
// Every kernel parameter is 8 bytes wide (pointers, long long, double): gorgonia.org/cu's
// Function.Launch copies each argument as a uint64.
#pragma once

// expf_go is model/kernels.expf: Cody-Waite reduction by ln 2, rounding by the
// 1.5*2^23 trick, degree-6 polynomial; outside [-87.3, 88] it falls back like expSlow.
__device__ __forceinline__ float expf_go(float x) {
    if (!(x >= -87.3f && x <= 88.0f)) {
        if (x < -87.3f) return 0.0f;
        return (float)exp((double)x);
    }
    const float log2e = 1.44269504088896341f;
    const float ln2hi = 0.693359375f;
    const float ln2lo = -2.12194440e-4f;
    const float magic = 12582912.0f;
    float f = __fadd_rn(__fmul_rn(x, log2e), magic);
    int k = __float_as_int(f) - 0x4b400000;
    float kf = __fsub_rn(f, magic);
    float r = x - kf * ln2hi - kf * ln2lo;
    float p = 1.0f + r * (1.0f + r * (1.0f / 2 + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720))))));
    return p * __int_as_float((k + 127) << 23);
}

// log1pf_go is kernels.log1pf: log(1+y) for y in [0, 1] by exponent and mantissa
// (atanh series), corrected for the rounding of u = 1+y.
__device__ __forceinline__ float log1pf_go(float y) {
    float u = 1.0f + y;
    if (u == 1.0f) return y;
    unsigned bits = (unsigned)__float_as_int(u);
    int k = (int)(bits >> 23) - 127;
    float m = __int_as_float((int)((bits & 0x007fffffu) | 0x3f800000u));
    if (m > 1.41421356f) {
        m *= 0.5f;
        k++;
    }
    float s = (m - 1.0f) / (m + 1.0f);
    float s2 = s * s;
    float l = 2.0f * s * (1.0f + s2 * (1.0f / 3 + s2 * (1.0f / 5 + s2 * (1.0f / 7 + s2 * (1.0f / 9)))));
    return (float)k * 0.693147181f + l - ((u - 1.0f) - y) / u;
}

// softplus_go is kernels.Softplus: max(x,0) + log1p(e^-|x|), in float32. max follows
// Go's builtin (NaN propagates, max(-0, 0) = +0).
__device__ __forceinline__ float softplus_go(float x) {
    float ax = x < 0.0f ? -x : x;
    float mx = (x != x) ? x : (x > 0.0f ? x : 0.0f);
    return mx + log1pf_go(expf_go(-ax));
}

// sigmoid_go is kernels.Sigmoid: with e = e^-|x| (Softplus's), 1/(1+e) for x >= 0
// and e/(1+e) below, in float32.
__device__ __forceinline__ float sigmoid_go(float x) {
    float e = expf_go(x < 0.0f ? x : -x);
    return (x < 0.0f ? e : 1.0f) / (1.0f + e);
}

// gtid is the flat global thread index.
__device__ __forceinline__ long long gtid() {
    return (long long)blockIdx.x * blockDim.x + threadIdx.x;
}

// rev_t maps j in [0, B*T) to the row b*T + t visiting b ascending and t descending,
// the order in which the CPU backward accumulates the weight gradients.
__device__ __forceinline__ long long rev_t(long long j, long long T) {
    long long b = j / T, t = T - 1 - j % T;
    return b * T + t;
}
