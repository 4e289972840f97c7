//go:build !amd64

package kernels

const useSSE = false

func s5OutSSE(y, u, d, crT, ciT, xs *float32, T, H, P int) {
	panic("kernels: no SSE on this architecture")
}
