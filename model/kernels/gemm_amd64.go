package kernels

import "golang.org/x/sys/cpu"

// useFMA selects the AVX2+FMA product tiles (tests turn it off to compare).
var useFMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func gemm4x16FMA(a *float32, ars, ast int, b *float32, bst, loops int, c *float32, ldc, acc int)

//go:noescape
func gemm4x8FMA(a *float32, ars, ast int, b *float32, bst, loops int, c *float32, ldc, acc int)

// tile4 computes a 4×w tile (w 16 or 8) with the FMA kernels over slices, strides in
// elements: c[r·ldc+j] (+)= Σ_l a[r·ars+l·ast]·b[l·bst+j].
func tile4(w int, a []float32, ars, ast int, b []float32, bst, loops int, c []float32, ldc int, acc bool) {
	_, _ = a[3*ars+(loops-1)*ast], b[(loops-1)*bst+w-1]
	_ = c[3*ldc+w-1]
	f := 0
	if acc {
		f = 1
	}
	if w == 16 {
		gemm4x16FMA(&a[0], 4*ars, 4*ast, &b[0], 4*bst, loops, &c[0], 4*ldc, f)
	} else {
		gemm4x8FMA(&a[0], 4*ars, 4*ast, &b[0], 4*bst, loops, &c[0], 4*ldc, f)
	}
}

//go:noescape
func gemm4x16Seq(a *float32, ars, ast int, b *float32, bst, loops int, c *float32, ldc, acc int)

//go:noescape
func gemm4x8Seq(a *float32, ars, ast int, b *float32, bst, loops int, c *float32, ldc, acc int)

//go:noescape
func dotT8(a, b *float32, bst, k16, k4, k1 int, c *float32)

// tile4Seq is tile4 on the products-rounded kernels (GemmExact), overwriting c.
func tile4Seq(w int, a []float32, ars, ast int, b []float32, bst, loops int, c []float32, ldc int) {
	_, _ = a[3*ars+(loops-1)*ast], b[(loops-1)*bst+w-1]
	_ = c[3*ldc+w-1]
	if w == 16 {
		gemm4x16Seq(&a[0], 4*ars, 4*ast, &b[0], 4*bst, loops, &c[0], 4*ldc, 0)
	} else {
		gemm4x8Seq(&a[0], 4*ars, 4*ast, &b[0], 4*bst, loops, &c[0], 4*ldc, 0)
	}
}
