//go:build !amd64

package kernels

const useFMA = false

const useAVX2 = false

func tile4(w int, a []float32, ars, ast int, b []float32, bst, loops int, c []float32, ldc int, acc bool) {
	panic("kernels: no product tiles on this architecture")
}

func tile4Seq(w int, a []float32, ars, ast int, b []float32, bst, loops int, c []float32, ldc int) {
	panic("kernels: no product tiles on this architecture")
}

func dotT8(a, b *float32, bst, k16, k4, k1 int, c *float32) {
	panic("kernels: no product tiles on this architecture")
}
