package kernels

const useSSE = true

//go:noescape
func s5OutSSE(y, u, d, crT, ciT, xs *float32, T, H, P int)
