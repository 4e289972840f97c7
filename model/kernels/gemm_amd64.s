#include "textflag.h"

// func gemm4x16FMA(a *float32, ars, ast int, b *float32, bst, loops int, c *float32, ldc, acc int)
// A 4×16 tile of a product on AVX2 with FMA, strides in bytes:
//   c[r·ldc + j] (+)= Σ_{l<loops} a[r·ars + l·ast] · b[l·bst + j],  r < 4, j < 16,
// adding into c when acc ≠ 0. Eight independent accumulators cover the FMA latency.
TEXT ·gemm4x16FMA(SB), NOSPLIT, $0-72
	MOVQ a+0(FP), SI
	MOVQ ars+8(FP), R8
	MOVQ ast+16(FP), R9
	MOVQ b+24(FP), DI
	MOVQ bst+32(FP), R10
	MOVQ loops+40(FP), CX
	LEAQ (SI)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	LEAQ (R12)(R8*1), R13
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	TESTQ CX, CX
	JLE store

loop:
	VMOVUPS (DI), Y8
	VMOVUPS 32(DI), Y9
	VBROADCASTSS (SI), Y10
	VFMADD231PS Y8, Y10, Y0
	VFMADD231PS Y9, Y10, Y1
	VBROADCASTSS (R11), Y11
	VFMADD231PS Y8, Y11, Y2
	VFMADD231PS Y9, Y11, Y3
	VBROADCASTSS (R12), Y12
	VFMADD231PS Y8, Y12, Y4
	VFMADD231PS Y9, Y12, Y5
	VBROADCASTSS (R13), Y13
	VFMADD231PS Y8, Y13, Y6
	VFMADD231PS Y9, Y13, Y7
	ADDQ R9, SI
	ADDQ R9, R11
	ADDQ R9, R12
	ADDQ R9, R13
	ADDQ R10, DI
	DECQ CX
	JNZ loop

store:
	MOVQ c+48(FP), DX
	MOVQ ldc+56(FP), BX
	MOVQ acc+64(FP), AX
	TESTQ AX, AX
	JZ put
	VADDPS (DX), Y0, Y0
	VADDPS 32(DX), Y1, Y1
	ADDQ BX, DX
	VADDPS (DX), Y2, Y2
	VADDPS 32(DX), Y3, Y3
	ADDQ BX, DX
	VADDPS (DX), Y4, Y4
	VADDPS 32(DX), Y5, Y5
	ADDQ BX, DX
	VADDPS (DX), Y6, Y6
	VADDPS 32(DX), Y7, Y7
	MOVQ c+48(FP), DX

put:
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	ADDQ BX, DX
	VMOVUPS Y2, (DX)
	VMOVUPS Y3, 32(DX)
	ADDQ BX, DX
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	ADDQ BX, DX
	VMOVUPS Y6, (DX)
	VMOVUPS Y7, 32(DX)
	VZEROUPPER
	RET
