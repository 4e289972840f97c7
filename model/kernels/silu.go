package kernels

// siluGo is SiLU in plain Go (the tail past the vector lanes, other architectures):
// the operations of the AVX2 kernel, lane for lane.
func siluGo(y, x []float32) {
	for i, v := range x {
		y[i] = v / (1 + expf(min(-v, 88)))
	}
}

// siluGradGo is SiLUGrad in plain Go.
func siluGradGo(dx, x, dy []float32) {
	for i, v := range x {
		s := 1 / (1 + expf(min(-v, 88)))
		dx[i] = ((1-s)*v + 1) * s * dy[i]
	}
}
