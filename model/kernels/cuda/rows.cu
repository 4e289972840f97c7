// rows.cu: embedding gather, its row-sparse scatter-add gradient, and the fused
// (lazy) Adam update, mirroring nn.Gather, model.Param.AddRows and model.Adam.
#include "common.cuh"

// gather_rows: out[k*cols+j] = table[idx[k]*cols+j]; one thread per output element.
// Indices are checked on the host before the launch (the CPU Op reports them).
extern "C" __global__ void gather_rows(float* out, const float* table, const int* idx,
                                       long long n, long long cols) {
    long long i = gtid();
    if (i >= n * cols) return;
    long long k = i / cols, j = i % cols;
    out[i] = table[(long long)idx[k] * cols + j];
}

// scatter_add_rows: grad[rows[u]*cols+j] += g[pos[s]*cols+j] for s in [start[u], start[u+1]),
// in that order: the host groups the batch positions by row in first-touch order, so
// each (row, column) is summed by one thread in the same order as Param.AddRows (no
// atomics, deterministic, bit-identical to the CPU).
extern "C" __global__ void scatter_add_rows(float* grad, const float* g, const int* rows,
                                            const int* start, const int* pos,
                                            long long nrows, long long cols) {
    long long i = gtid();
    if (i >= nrows * cols) return;
    long long u = i / cols, j = i % cols;
    float* dst = grad + (long long)rows[u] * cols + j;
    float acc = *dst;
    for (int s = start[u]; s < start[u + 1]; s++) {
        acc += g[(long long)pos[s] * cols + j];
    }
    *dst = acc;
}

// adam_elem is model.adamSpan for one element.
__device__ __forceinline__ void adam_elem(float* w, const float* g, float* m, float* v, long long j,
                                          float scale, float decay, float b1, float b2,
                                          float step, float eps) {
    float gj = g[j] * scale + decay * w[j];
    float mj = b1 * m[j] + (1.0f - b1) * gj;
    float vj = b2 * v[j] + (1.0f - b2) * gj * gj;
    m[j] = mj;
    v[j] = vj;
    w[j] -= step * mj / (sqrtf(vj) + eps);
}

// adam_dense: the fused update of a dense tensor of n values; one thread per value.
// Scalars arrive as doubles holding float32 values (exact).
extern "C" __global__ void adam_dense(float* w, const float* g, float* m, float* v, long long n,
                                      double scale, double decay, double b1, double b2,
                                      double step, double eps) {
    long long j = gtid();
    if (j >= n) return;
    adam_elem(w, g, m, v, j, (float)scale, (float)decay, (float)b1, (float)b2, (float)step, (float)eps);
}

// adam_rows: the lazy update of the touched rows of a sparse table; one thread per
// (touched row, column).
extern "C" __global__ void adam_rows(float* w, const float* g, float* m, float* v, const int* rows,
                                     long long nrows, long long cols,
                                     double scale, double decay, double b1, double b2,
                                     double step, double eps) {
    long long i = gtid();
    if (i >= nrows * cols) return;
    long long j = (long long)rows[i / cols] * cols + i % cols;
    adam_elem(w, g, m, v, j, (float)scale, (float)decay, (float)b1, (float)b2, (float)step, (float)eps);
}
