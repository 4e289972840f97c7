// ss4rec.cu: the kernels of SS4Rec's training step resident on the device (package
// accel) besides the scans, the gathers, the products and Adam: the input embedding,
// the S5 input scaling, the dropout masks (Go's PCG drawn on the device), layer norm,
// the causal convolution, SiLU, the head and the loss, each with its backward. One
// thread per output element (or row, or column), no atomics: the sums run in the
// order of the CPU's loops, so results are deterministic run to run.
#include "common.cuh"

// zero_f: x[i] = 0 for i < n.
extern "C" __global__ void zero_f(float* x, long long n) {
    long long i = gtid();
    if (i < n) x[i] = 0.0f;
}

// vec_add: out = a + b over n values (out may be a or b).
extern "C" __global__ void vec_add(float* out, const float* a, const float* b, long long n) {
    long long i = gtid();
    if (i < n) out[i] = a[i] + b[i];
}

// bias_add: x[r,j] += b[j] in place.
extern "C" __global__ void bias_add(float* x, const float* b, long long rows, long long cols) {
    long long i = gtid();
    if (i < rows * cols) x[i] = x[i] + b[i % cols];
}

// embed_sum: x[k,j] = a[ia[k],j] + b[ib[k],j] (the item and rating embeddings of a
// position; the graph's gather adds both into a zeroed slot, which rounds the same).
extern "C" __global__ void embed_sum(float* x, const float* a, const float* b, const int* ia,
                                     const int* ib, long long n, long long cols) {
    long long i = gtid();
    if (i >= n * cols) return;
    long long k = i / cols, j = i % cols;
    x[i] = a[(long long)ia[k] * cols + j] + b[(long long)ib[k] * cols + j];
}

// scale_rows: dst[r,j] = u[r,j]·s(τ_r) with s(τ) = 1/τ, or 0 at padding (τ ≤ 0): the
// S5 input per unit of time (Net.InputPerTime), and its backward. dst may be u.
extern "C" __global__ void scale_rows(float* dst, const float* u, const float* tau, long long rows,
                                      long long cols) {
    long long i = gtid();
    if (i >= rows * cols) return;
    float t = tau[i / cols];
    float s = t <= 0.0f ? 0.0f : 1.0f / t;
    dst[i] = u[i] * s;
}

// u128 is an unsigned 128-bit integer in two 64-bit halves (portable: no __int128).
struct u128 {
    unsigned long long hi, lo;
};

// mulhi64 is the high half of the 128-bit product a·b, from 32-bit limbs.
__device__ __forceinline__ unsigned long long mulhi64(unsigned long long a, unsigned long long b) {
    unsigned long long a0 = a & 0xffffffffULL, a1 = a >> 32, b0 = b & 0xffffffffULL, b1 = b >> 32;
    unsigned long long p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    unsigned long long mid = (p00 >> 32) + (p01 & 0xffffffffULL) + (p10 & 0xffffffffULL);
    return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

// u128_mul and u128_add are a·b and a+b modulo 2^128.
__device__ __forceinline__ u128 u128_mul(u128 a, u128 b) {
    u128 r;
    r.lo = a.lo * b.lo;
    r.hi = mulhi64(a.lo, b.lo) + a.hi * b.lo + a.lo * b.hi;
    return r;
}
__device__ __forceinline__ u128 u128_add(u128 a, u128 b) {
    u128 r;
    r.lo = a.lo + b.lo;
    r.hi = a.hi + b.hi + (r.lo < a.lo ? 1ULL : 0ULL);
    return r;
}

// pcg_jump advances Go's math/rand/v2 PCG state s by n steps: the LCG s·mul + inc
// composed n times (Brown's jump-ahead), modulo 2^128.
__device__ __forceinline__ u128 pcg_jump(u128 s, unsigned long long n) {
    u128 mul = {2549297995355413924ULL, 4865540595714422341ULL};
    u128 inc = {6364136223846793005ULL, 1442695040888963407ULL};
    u128 am = {0ULL, 1ULL}, ap = {0ULL, 0ULL};
    u128 one = {0ULL, 1ULL};
    while (n > 0) {
        if (n & 1ULL) {
            am = u128_mul(am, mul);
            ap = u128_add(u128_mul(ap, mul), inc);
        }
        inc = u128_mul(u128_add(mul, one), inc);
        mul = u128_mul(mul, mul);
        n >>= 1;
    }
    return u128_add(u128_mul(am, s), ap);
}

// dropout_mask: mask[i] = 0 with probability p, else keep = 1/(1−p): draw first+i of
// rand.New(rand.NewPCG(seed, stream)).Float32() < p, as ss4rec's fillMask draws its
// masks one after another (float32 p and keep travel as doubles).
extern "C" __global__ void dropout_mask(float* mask, long long n, long long first, long long seed,
                                        long long stream, double p, double keep) {
    long long i = gtid();
    if (i >= n) return;
    u128 s0 = {(unsigned long long)seed, (unsigned long long)stream};
    u128 st = pcg_jump(s0, (unsigned long long)(first + i) + 1ULL);
    unsigned long long x = st.hi; // DXSM output of the state after the draw's step
    x ^= x >> 32;
    x *= 0xda942042e4dd58b5ULL;
    x ^= x >> 48;
    x *= (st.lo | 1ULL);
    unsigned u = (unsigned)(x >> 32);
    float f = (float)(u & 0xffffffu) / 16777216.0f;
    mask[i] = f < (float)p ? 0.0f : (float)keep;
}

// layer_norm_fwd: per row r of x [rows×H], y = (x−μ)/σ·γ + β with μ, σ² in float64, as
// ss4rec's layerNorm.forward; keeps x̂ and 1/σ for the backward. One thread per row.
extern "C" __global__ void layer_norm_fwd(float* y, float* xhat, float* rstd, const float* x,
                                          const float* gamma, const float* beta, long long rows,
                                          long long H) {
    long long r = gtid();
    if (r >= rows) return;
    const float* xr = x + r * H;
    double mean = 0.0, vr = 0.0;
    for (long long i = 0; i < H; i++) mean += (double)xr[i];
    mean /= (double)H;
    for (long long i = 0; i < H; i++) {
        double d = (double)xr[i] - mean;
        vr += d * d;
    }
    float rs = (float)(1.0 / sqrt(vr / (double)H + 1e-5));
    rstd[r] = rs;
    float m = (float)mean;
    for (long long i = 0; i < H; i++) {
        float xh = (xr[i] - m) * rs;
        xhat[r * H + i] = xh;
        y[r * H + i] = xh * gamma[i] + beta[i];
    }
}

// layer_norm_bwd: dx = (1/σ)(dy·γ − mean(dy·γ) − x̂·mean(dy·γ·x̂)) per row (overwrites
// dx), as layerNorm.backward. One thread per row.
extern "C" __global__ void layer_norm_bwd(float* dx, const float* dy, const float* xhat,
                                          const float* rstd, const float* gamma, long long rows,
                                          long long H) {
    long long r = gtid();
    if (r >= rows) return;
    const float* g = dy + r * H;
    const float* xh = xhat + r * H;
    float m1 = 0.0f, m2 = 0.0f;
    for (long long i = 0; i < H; i++) {
        float d = g[i] * gamma[i];
        m1 += d;
        m2 += d * xh[i];
    }
    m1 /= (float)H;
    m2 /= (float)H;
    float rs = rstd[r];
    for (long long i = 0; i < H; i++) dx[r * H + i] = rs * (g[i] * gamma[i] - m1 - xh[i] * m2);
}

// layer_norm_bwd_params: dγ[j] = Σ_r dy[r,j]·x̂[r,j], dβ[j] = Σ_r dy[r,j], rows in order
// (overwrites). One thread per column.
extern "C" __global__ void layer_norm_bwd_params(float* dgamma, float* dbeta, const float* dy,
                                                 const float* xhat, long long rows, long long H) {
    long long j = gtid();
    if (j >= H) return;
    float g = 0.0f, b = 0.0f;
    for (long long r = 0; r < rows; r++) {
        g += dy[r * H + j] * xhat[r * H + j];
        b += dy[r * H + j];
    }
    dgamma[j] = g;
    dbeta[j] = b;
}

// silu_fwd: y = x/(1 + e^min(−x, 88)), kernels.SiLU's arithmetic.
extern "C" __global__ void silu_fwd(float* y, const float* x, long long n) {
    long long i = gtid();
    if (i >= n) return;
    float v = x[i];
    float a = -v;
    if (a > 88.0f) a = 88.0f;
    y[i] = v / (1.0f + expf_go(a));
}

// silu_grad: dx = ((1−s)·x + 1)·s·dy with s = σ(x), kernels.SiLUGrad's arithmetic.
extern "C" __global__ void silu_grad(float* dx, const float* x, const float* dy, long long n) {
    long long i = gtid();
    if (i >= n) return;
    float v = x[i];
    float a = -v;
    if (a > 88.0f) a = 88.0f;
    float s = 1.0f / (1.0f + expf_go(a));
    dx[i] = ((1.0f - s) * v + 1.0f) * s * dy[i];
}

// conv_fwd: the causal depthwise convolution of nb windows of T positions,
// y[t,e] = b[e] + Σ_k w[e,k]·x[t−K+1+k, e] (ss4rec's convForward). One thread per (s,t,e).
extern "C" __global__ void conv_fwd(float* y, const float* x, const float* w, const float* b,
                                    long long nb, long long T, long long E, long long K) {
    long long i = gtid();
    if (i >= nb * T * E) return;
    long long e = i % E, st = i / E, t = st % T, s = st / T;
    float acc = b[e];
    for (long long k = 0; k < K; k++) {
        long long src = t - K + 1 + k;
        if (src < 0) continue;
        acc += w[e * K + k] * x[(s * T + src) * E + e];
    }
    y[i] = acc;
}

// conv_bwd_x: dx[t,e] = Σ over the outputs t' = t+K−1−k it feeds, t' ascending (as
// convBackward accumulates), of dy[t',e]·w[e,k]. One thread per (s,t,e); overwrites.
extern "C" __global__ void conv_bwd_x(float* dx, const float* dy, const float* w, long long nb,
                                      long long T, long long E, long long K) {
    long long i = gtid();
    if (i >= nb * T * E) return;
    long long e = i % E, st = i / E, t = st % T, s = st / T;
    float acc = 0.0f;
    for (long long k = K - 1; k >= 0; k--) {
        long long to = t + K - 1 - k;
        if (to >= T) continue;
        acc += dy[(s * T + to) * E + e] * w[e * K + k];
    }
    dx[i] = acc;
}

// conv_bwd_w: dw[e,k] = Σ_(s,t) dy[s,t,e]·x[s,t−K+1+k,e], (s,t) in order. One thread per
// (e,k); overwrites.
extern "C" __global__ void conv_bwd_w(float* dw, const float* dy, const float* x, long long nb,
                                      long long T, long long E, long long K) {
    long long i = gtid();
    if (i >= E * K) return;
    long long e = i / K, k = i % K;
    float acc = 0.0f;
    for (long long s = 0; s < nb; s++) {
        for (long long t = 0; t < T; t++) {
            long long src = t - K + 1 + k;
            if (src < 0) continue;
            acc += dy[(s * T + t) * E + e] * x[(s * T + src) * E + e];
        }
    }
    dw[i] = acc;
}

// ss4rec_head: pred[k] = (Σ_j u[k,j]·e[k,j] + Σ_j o[k,j]·wb[j] + bias[k]) + μ, the rating
// of target k. One thread per target.
extern "C" __global__ void ss4rec_head(float* pred, const float* u, const float* e, const float* o,
                                       const float* wb, const float* bias, double mu, long long K,
                                       long long H) {
    long long k = gtid();
    if (k >= K) return;
    float s = 0.0f, w = 0.0f;
    for (long long j = 0; j < H; j++) s += u[k * H + j] * e[k * H + j];
    for (long long j = 0; j < H; j++) w += o[k * H + j] * wb[j];
    pred[k] = ((s + w) + bias[k]) + (float)mu;
}

// ss4rec_loss: acc[3] = Σ_k (pred_k − y_k)² in float64 (the trainer's Loss.SumSq), and
// the non-finite flags acc[6] and acc[2]; dpred[k] = 2·(pred_k − y_k)·(1/K), the
// gradient of the mean. One thread.
extern "C" __global__ void ss4rec_loss(double* acc, float* dpred, const float* pred, const float* y,
                                       long long K) {
    if (gtid() != 0) return;
    double s = 0.0;
    float w = 1.0f / (float)(K > 0 ? K : 1);
    for (long long k = 0; k < K; k++) {
        double d = (double)pred[k] - (double)y[k];
        s += d * d;
        dpred[k] = 2.0f * (pred[k] - y[k]) * w;
    }
    acc[3] = s;
    if (s != s || s - s != 0.0) {
        acc[6] = 1.0;
        acc[2] = 1.0;
    }
}

// ss4rec_head_bwd: for target k, du = dpred·e (the gradient of W_u·o + c), de = dpred·u
// (the target embedding's), dox = dpred·w_b (o's through ⟨w_b, o⟩). One thread per (k,j).
extern "C" __global__ void ss4rec_head_bwd(float* du, float* de, float* dox, const float* dpred,
                                           const float* u, const float* e, const float* wb,
                                           long long K, long long H) {
    long long i = gtid();
    if (i >= K * H) return;
    float d = dpred[i / H];
    du[i] = d * e[i];
    de[i] = d * u[i];
    dox[i] = d * wb[i % H];
}

// window_tau: tau[b,t] = the gap of position t of window ex[b] (zero past its length,
// as makeBatch pads), from the resident gaps of every window (tauAll, offsets off).
// One thread per (b, t).
extern "C" __global__ void window_tau(float* tau, const float* tauAll, const int* off, const int* ex,
                                      long long nb, long long T) {
    long long i = gtid();
    if (i >= nb * T) return;
    long long w = ex[i / T], t = i % T;
    long long lo = off[w], n = (long long)off[w + 1] - lo;
    tau[i] = t < n ? tauAll[lo + t] : 0.0f;
}
