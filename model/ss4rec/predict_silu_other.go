//go:build !amd64

package ss4rec

// siluRow writes y[i] = silu(x[i]) for every i.
func siluRow(y, x []float32) { siluRowGo(y[:len(x)], x) }
