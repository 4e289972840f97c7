// step.cu: the kernels of a training step resident on the device (package accel):
// element-wise layers, column sums, the squared loss, and the trainer's checks,
// clipping and Adam with the step's scalars kept on the device. The scalars of a step
// live in one double array acc (AccSlots in step.go): the kernels read the clip scale
// and the skip flag from it, so no scalar crosses to the host before the step ends.
#include "common.cuh"

// fill_zero: x[i] = 0 for i < n.
extern "C" __global__ void fill_zero(double* x, long long n) {
    long long i = gtid();
    if (i < n) x[i] = 0.0;
}

// hadamard: out = a ⊙ b over n values.
extern "C" __global__ void hadamard(float* out, const float* a, const float* b, long long n) {
    long long i = gtid();
    if (i < n) out[i] = a[i] * b[i];
}

// bias_relu: x[r,j] = max(x[r,j] + b[j], 0) in place (nn.BiasReLU's forward).
extern "C" __global__ void bias_relu(float* x, const float* b, long long rows, long long cols) {
    long long i = gtid();
    if (i >= rows * cols) return;
    float v = x[i] + b[i % cols];
    x[i] = v > 0.0f ? v : 0.0f;
}

// relu_grad: d = d ⊙ [out > 0] in place (nn.BiasReLU's backward).
extern "C" __global__ void relu_grad(float* d, const float* out, long long n) {
    long long i = gtid();
    if (i < n && !(out[i] > 0.0f)) d[i] = 0.0f;
}

// col_sum: out[j] = Σ_r x[r,j], rows in order; one thread per column.
extern "C" __global__ void col_sum(float* out, const float* x, long long rows, long long cols) {
    long long j = gtid();
    if (j >= cols) return;
    float s = 0.0f;
    for (long long r = 0; r < rows; r++) s += x[r * cols + j];
    out[j] = s;
}

// ncf_head: diff[k] = (g[k] + h[k]) + (bu[k] + bi[k]) + bias[0] − ratings[ex[k]]: NeuMF's
// output against its target, gathered from the resident training ratings.
extern "C" __global__ void ncf_head(float* diff, const float* g, const float* h, const float* bu,
                                   const float* bi, const float* bias, const float* ratings,
                                   const int* ex, long long n) {
    long long k = gtid();
    if (k >= n) return;
    float out = (g[k] + h[k]) + (bu[k] + bi[k]);
    out = out + bias[0];
    diff[k] = out - ratings[ex[k]];
}

// mse_loss: acc[3] = mean of diff² (float32, in order, as gorgonia's Mean of Square),
// acc[6] = 1 when it is not finite, which also sets the skip flag acc[2]. One thread.
extern "C" __global__ void mse_loss(double* acc, const float* diff, long long n) {
    if (gtid() != 0) return;
    float s = 0.0f;
    for (long long k = 0; k < n; k++) s += diff[k] * diff[k];
    float mse = s / (float)n;
    acc[3] = (double)mse;
    if (mse != mse || mse - mse != 0.0f) {
        acc[6] = 1.0;
        acc[2] = 1.0;
    }
}

// mse_grad: dout[k] = 2·diff[k]/n, the gradient of the mean squared error.
extern "C" __global__ void mse_grad(float* dout, const float* diff, long long n) {
    long long k = gtid();
    if (k < n) dout[k] = 2.0f * diff[k] / (float)n;
}

// sq_norm: acc[sum] += Σ x² (float64, rows in order: the rows listed in rows, or all
// nrows when rows is null) and acc[flag] = 1 (and the skip flag acc[2] when flag is 4)
// on a non-finite value: trainer.Param.GradSqNorm and the NaN/Inf guard. One thread.
extern "C" __global__ void sq_norm(double* acc, const float* x, const int* rows, long long nrows,
                                   long long cols, long long sum, long long flag) {
    if (gtid() != 0) return;
    double s = 0.0;
    bool bad = false;
    for (long long u = 0; u < nrows; u++) {
        const float* row = x + (rows ? (long long)rows[u] : u) * cols;
        for (long long j = 0; j < cols; j++) {
            float v = row[j];
            if (v != v || v - v != 0.0f) bad = true;
            s += (double)v * (double)v;
        }
    }
    acc[sum] += s;
    if (bad) {
        acc[flag] = 1.0;
        if (flag == 4) acc[2] = 1.0;
    }
}

// clip_scale: acc[1] = float32(clip/‖g‖) when clip > 0 and ‖g‖ = sqrt(acc[0]) > clip,
// else 1 (the trainer's gradient clipping). One thread.
extern "C" __global__ void clip_scale(double* acc, double clip) {
    if (gtid() != 0) return;
    double norm = sqrt(acc[0]);
    double scale = 1.0;
    if (clip > 0.0 && norm > clip) scale = clip / norm;
    acc[1] = (double)(float)scale;
}

// adam_dense_acc: adam_dense with the clip scale read from acc[1]; nothing when the
// skip flag acc[2] is set (a non-finite loss or gradient leaves the values unchanged).
extern "C" __global__ void adam_dense_acc(float* w, const float* g, float* m, float* v, long long n,
                                          const double* acc, double decay, double b1, double b2,
                                          double step, double eps) {
    long long j = gtid();
    if (j >= n || acc[2] != 0.0) return;
    adam_elem(w, g, m, v, j, (float)acc[1], (float)decay, (float)b1, (float)b2, (float)step, (float)eps);
}

// adam_rows_acc: adam_rows with the clip scale and skip flag read from acc.
extern "C" __global__ void adam_rows_acc(float* w, const float* g, float* m, float* v, const int* rows,
                                         long long nrows, long long cols, const double* acc,
                                         double decay, double b1, double b2, double step, double eps) {
    long long i = gtid();
    if (i >= nrows * cols || acc[2] != 0.0) return;
    long long j = (long long)rows[i / cols] * cols + i % cols;
    adam_elem(w, g, m, v, j, (float)acc[1], (float)decay, (float)b1, (float)b2, (float)step, (float)eps);
}

// zero_rows: clears the listed rows of a gradient table (trainer.Param.ZeroGrad).
extern "C" __global__ void zero_rows(float* g, const int* rows, long long nrows, long long cols) {
    long long i = gtid();
    if (i >= nrows * cols) return;
    g[(long long)rows[i / cols] * cols + i % cols] = 0.0f;
}
