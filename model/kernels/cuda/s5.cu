// s5.cu: the time-aware S5 scan (model/kernels/s5.go) forward and backward.
// Layouts as on the CPU: u, y, du [B,T,H]; tau [B,T]; xs [B,T,2P] (real parts then
// imaginary parts of the state at each position); B [P,H], C [H,P] complex split into
// re/im; D [H]; Lambda_p = -exp(logA_p) + i*imA_p, Delta = tau*exp(logStep_p).
// The recurrence runs in float64 in one thread per (sequence, state), as on the CPU.
#include "common.cuh"

struct s5c { double delta, lbRe, lbIm, gRe, gIm, lamRe, lamIm; };

// s5coef is kernels.s5coef: zero-order-hold coefficients without cancellation.
__device__ __forceinline__ s5c s5coef(double lamRe, double lamIm, double step, float tau) {
    s5c k;
    double d = (double)tau * step;
    double zr = lamRe * d, zi = lamIm * d;
    double m = exp(zr);
    double s, c;
    sincos(zi, &s, &c);
    double sh = sin(zi / 2);
    double nr = expm1(zr) * c - 2 * sh * sh;
    double ni = m * s;
    double den = lamRe * lamRe + lamIm * lamIm;
    k.delta = d;
    k.lbRe = m * c; k.lbIm = m * s;
    k.gRe = (nr * lamRe + ni * lamIm) / den;
    k.gIm = (ni * lamRe - nr * lamIm) / den;
    k.lamRe = lamRe; k.lamIm = lamIm;
    return k;
}

// bu computes (B u_t)_q in float32, summed over h in order, as the CPU does.
__device__ __forceinline__ void bu(const float* bre, const float* bim, const float* ut, long long H,
                                   float* sr, float* si) {
    float r = 0.0f, i = 0.0f;
    for (long long h = 0; h < H; h++) {
        r += bre[h] * ut[h];
        i += bim[h] * ut[h];
    }
    *sr = r; *si = i;
}

// s5_fwd_states: one thread per (b, q) runs the recurrence and fills xs.
extern "C" __global__ void s5_fwd_states(float* xs, const float* u, const float* tau,
                                         const float* logA, const float* imA, const float* logStep,
                                         const float* bRe, const float* bIm,
                                         long long B, long long T, long long H, long long P) {
    long long i = gtid();
    if (i >= B * P) return;
    long long b = i / P, q = i % P;
    double lr = -exp((double)logA[q]), li = (double)imA[q], st = exp((double)logStep[q]);
    double xr = 0, xi = 0;
    for (long long t = 0; t < T; t++) {
        long long bt = b * T + t;
        float vr, vi;
        bu(bRe + q * H, bIm + q * H, u + bt * H, H, &vr, &vi);
        s5c k = s5coef(lr, li, st, tau[bt]);
        double r = k.lbRe * xr - k.lbIm * xi + k.gRe * (double)vr - k.gIm * (double)vi;
        double im = k.lbRe * xi + k.lbIm * xr + k.gRe * (double)vi + k.gIm * (double)vr;
        xr = r; xi = im;
        xs[bt * 2 * P + q] = (float)r;
        xs[bt * 2 * P + P + q] = (float)im;
    }
}

// s5_fwd_out: one thread per (b, t, h): y = D u + Re(C x) from the float32 states.
extern "C" __global__ void s5_fwd_out(float* y, const float* u, const float* xs,
                                      const float* cRe, const float* cIm, const float* D,
                                      long long B, long long T, long long H, long long P) {
    long long i = gtid();
    if (i >= B * T * H) return;
    long long bt = i / H, h = i % H;
    const float* xrow = xs + bt * 2 * P;
    const float* cr = cRe + h * P;
    const float* ci = cIm + h * P;
    float s = D[h] * u[i];
    for (long long q = 0; q < P; q++) {
        s += cr[q] * xrow[q] - ci[q] * xrow[P + q];
    }
    y[i] = s;
}

// s5_bwd_states: one thread per (b, q) runs the adjoint recurrence backwards in time.
// It writes dv [B,T,2P] (the gradient of B u_t: re then im) and this sequence's
// partial gradients of logA, imA, logStep into part [3][B][P] (float64).
extern "C" __global__ void s5_bwd_states(float* dv, double* part, const float* u, const float* tau,
                                         const float* xs, const float* dy,
                                         const float* logA, const float* imA, const float* logStep,
                                         const float* bRe, const float* bIm,
                                         const float* cRe, const float* cIm,
                                         long long B, long long T, long long H, long long P) {
    long long i = gtid();
    if (i >= B * P) return;
    long long b = i / P, q = i % P;
    double lr = -exp((double)logA[q]), li = (double)imA[q], st = exp((double)logStep[q]);
    double gr = 0, gi = 0, dLogA = 0, dImA = 0, dStep = 0;
    for (long long t = T - 1; t >= 0; t--) {
        long long bt = b * T + t;
        const float* dyt = dy + bt * H;
        for (long long h = 0; h < H; h++) {
            float d = dyt[h];
            if (d == 0.0f) continue;
            gr += (double)(d * cRe[h * P + q]);
            gi -= (double)(d * cIm[h * P + q]);
        }
        float vr, vi;
        bu(bRe + q * H, bIm + q * H, u + bt * H, H, &vr, &vi);
        double Gr = gr, Gi = gi;
        s5c k = s5coef(lr, li, st, tau[bt]);
        double pr = 0, pi = 0;
        if (t > 0) {
            pr = (double)xs[(bt - 1) * 2 * P + q];
            pi = (double)xs[(bt - 1) * 2 * P + P + q];
        }
        double dlr = Gr * pr + Gi * pi, dli = Gi * pr - Gr * pi;
        double v0 = (double)vr, v1 = (double)vi;
        double dgr = Gr * v0 + Gi * v1, dgi = Gi * v0 - Gr * v1;
        dv[bt * 2 * P + q] = (float)(k.gRe * Gr + k.gIm * Gi);
        dv[bt * 2 * P + P + q] = (float)(k.gRe * Gi - k.gIm * Gr);
        double ar = k.delta * k.lbRe, ai = k.delta * k.lbIm;
        double nr = ar - k.gRe, ni = ai - k.gIm;
        double den = k.lamRe * k.lamRe + k.lamIm * k.lamIm;
        double qr = (nr * k.lamRe + ni * k.lamIm) / den, qi = (ni * k.lamRe - nr * k.lamIm) / den;
        double glr = ar * dlr + ai * dli + qr * dgr + qi * dgi;
        double gli = ar * dli - ai * dlr + qr * dgi - qi * dgr;
        dLogA += glr * k.lamRe;
        dImA += gli;
        double mr = k.lamRe * k.lbRe - k.lamIm * k.lbIm;
        double mi = k.lamRe * k.lbIm + k.lamIm * k.lbRe;
        double dd = mr * dlr + mi * dli + k.lbRe * dgr + k.lbIm * dgi;
        dStep += dd * k.delta;
        gr = k.lbRe * Gr + k.lbIm * Gi;
        gi = k.lbRe * Gi - k.lbIm * Gr;
    }
    part[b * P + q] = dLogA;
    part[B * P + b * P + q] = dImA;
    part[2 * B * P + b * P + q] = dStep;
}

// s5_bwd_du: one thread per (b, t, h): du += D dy + sum_q (B^T dv)_h, in the CPU's order.
extern "C" __global__ void s5_bwd_du(float* du, const float* dy, const float* dv,
                                     const float* bRe, const float* bIm, const float* D,
                                     long long B, long long T, long long H, long long P) {
    long long i = gtid();
    if (i >= B * T * H) return;
    long long bt = i / H, h = i % H;
    float acc = du[i];
    float d = dy[i];
    if (d != 0.0f) acc += D[h] * d;
    const float* dvr = dv + bt * 2 * P;
    for (long long q = 0; q < P; q++) {
        float r = dvr[q], im = dvr[P + q];
        if (r == 0.0f && im == 0.0f) continue;
        acc += bRe[q * H + h] * r + bIm[q * H + h] * im;
    }
    du[i] = acc;
}

// s5_bwd_c: one thread per (h, q): dC += sum over (b, t) of dy * x (re) and -dy * x (im),
// and, for q == 0, dD_h += sum dy * u.
extern "C" __global__ void s5_bwd_c(float* dCRe, float* dCIm, float* dD, const float* dy,
                                    const float* xs, const float* u,
                                    long long B, long long T, long long H, long long P) {
    long long i = gtid();
    if (i >= H * P) return;
    long long h = i / P, q = i % P;
    float ar = 0.0f, ai = 0.0f, ad = 0.0f;
    for (long long j = 0; j < B * T; j++) {
        long long bt = rev_t(j, T);
        float d = dy[bt * H + h];
        if (d == 0.0f) continue;
        ar += d * xs[bt * 2 * P + q];
        ai -= d * xs[bt * 2 * P + P + q];
        if (q == 0) ad += d * u[bt * H + h];
    }
    dCRe[i] += ar;
    dCIm[i] += ai;
    if (q == 0) dD[h] += ad;
}

// s5_bwd_b: one thread per (q, h): dB += sum over (b, t) of dv * u.
extern "C" __global__ void s5_bwd_b(float* dBRe, float* dBIm, const float* dv, const float* u,
                                    long long B, long long T, long long H, long long P) {
    long long i = gtid();
    if (i >= P * H) return;
    long long q = i / H, h = i % H;
    float ar = 0.0f, ai = 0.0f;
    for (long long j = 0; j < B * T; j++) {
        long long bt = rev_t(j, T);
        float r = dv[bt * 2 * P + q], im = dv[bt * 2 * P + P + q];
        if (r == 0.0f && im == 0.0f) continue;
        float uv = u[bt * H + h];
        ar += r * uv;
        ai += im * uv;
    }
    dBRe[i] += ar;
    dBIm[i] += ai;
}

// s5_bwd_lambda: one thread per q sums the per-sequence partials (float64) and adds
// them to the gradients of logA, imA and logStep.
extern "C" __global__ void s5_bwd_lambda(float* dLogA, float* dImA, float* dLogStep,
                                         const double* part, long long B, long long P) {
    long long q = gtid();
    if (q >= P) return;
    double a = 0, im = 0, s = 0;
    for (long long b = 0; b < B; b++) {
        a += part[b * P + q];
        im += part[B * P + b * P + q];
        s += part[2 * B * P + b * P + q];
    }
    dLogA[q] += (float)a;
    dImA[q] += (float)im;
    dLogStep[q] += (float)s;
}
