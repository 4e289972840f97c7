//go:build !amd64

package kernels

const useFMA = false

func tile4(w int, a []float32, ars, ast int, b []float32, bst, loops int, c []float32, ldc int, acc bool) {
	panic("kernels: no product tiles on this architecture")
}
