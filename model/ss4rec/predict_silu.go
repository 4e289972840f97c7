package ss4rec

// siluRowGo writes y[i] = silu(x[i]) (other architectures, CPUs without AVX2 and
// FMA, the tail past the vector lanes, and lanes outside the vector kernel's range).
func siluRowGo(y, x []float32) {
	for i, v := range x {
		y[i] = silu(v)
	}
}
