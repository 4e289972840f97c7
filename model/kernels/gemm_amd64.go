package kernels

import "golang.org/x/sys/cpu"

// useFMA selects the AVX2+FMA product tiles (tests turn it off to compare).
var useFMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func gemm4x16FMA(a *float32, ars, ast int, b *float32, bst, loops int, c *float32, ldc, acc int)

// tile4x16 is gemm4x16FMA over slices, strides in elements; see gemmTiles.
func tile4x16(a []float32, ars, ast int, b []float32, bst, loops int, c []float32, ldc int, acc bool) {
	_, _ = a[3*ars+(loops-1)*ast], b[(loops-1)*bst+15]
	_ = c[3*ldc+15]
	f := 0
	if acc {
		f = 1
	}
	gemm4x16FMA(&a[0], 4*ars, 4*ast, &b[0], 4*bst, loops, &c[0], 4*ldc, f)
}
