//go:build !amd64

package ss4rec

// scanRows advances the selective-scan state h [rows×n] by one position:
// h[i·n+k] = expf(dt[i]·a[i·n+k])·h[i·n+k] + dx[i]·bm[k].
func scanRows(h, a, dt, dx, bm []float32, n int) { scanRowsGo(h, a, dt, dx, bm, n) }

// matmulWide is c = a·w (as mm, bit for bit) for the model's wide products.
func matmulWide(c, a, w []float32, m, k, n int) { mm(c, a, w, m, k, n, false, false, 0) }
