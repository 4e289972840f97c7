#include "textflag.h"

// func matmulSSE(c, a, w *float32, m, k, n int)
// c[i,j] = Σ_l a[i,l]·w[l,j] for i < m, j < n (n a multiple of 16), each element
// summed from zero over l in order, one product at a time (no FMA): the bits of
// gonum's Sgemm. Sixteen columns of one row are held in four registers.
TEXT ·matmulSSE(SB), NOSPLIT, $0-48
	MOVQ c+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ w+16(FP), DX
	MOVQ m+24(FP), CX
	MOVQ k+32(FP), R8
	MOVQ n+40(FP), R9
	MOVQ R9, R10
	SHLQ $2, R10          // row stride of w and c in bytes
	TESTQ CX, CX
	JLE done
	TESTQ R8, R8
	JLE done

row:
	XORQ R11, R11         // column offset in bytes

cols:
	XORPS X0, X0
	XORPS X1, X1
	XORPS X2, X2
	XORPS X3, X3
	MOVQ SI, R12          // a[i, 0]
	LEAQ (DX)(R11*1), R13 // w[0, j]
	MOVQ R8, R14

inner:
	MOVSS (R12), X4
	SHUFPS $0, X4, X4
	MOVUPS (R13), X5
	MULPS X4, X5
	ADDPS X5, X0
	MOVUPS 16(R13), X6
	MULPS X4, X6
	ADDPS X6, X1
	MOVUPS 32(R13), X7
	MULPS X4, X7
	ADDPS X7, X2
	MOVUPS 48(R13), X8
	MULPS X4, X8
	ADDPS X8, X3
	ADDQ $4, R12
	ADDQ R10, R13
	DECQ R14
	JNZ inner

	MOVUPS X0, (DI)(R11*1)
	MOVUPS X1, 16(DI)(R11*1)
	MOVUPS X2, 32(DI)(R11*1)
	MOVUPS X3, 48(DI)(R11*1)
	ADDQ $64, R11
	CMPQ R11, R10
	JLT cols

	LEAQ (SI)(R8*4), SI
	ADDQ R10, DI
	DECQ CX
	JNZ row

done:
	RET

// func matmulAVX(c, a, w *float32, m, k, n int)
// matmulSSE in eight-lane registers (AVX): the same products and sums per element in
// the same order (no FMA), so the same bits. Thirty-two columns of one row are held
// in four registers, a last sixteen in two.
TEXT ·matmulAVX(SB), NOSPLIT, $0-48
	MOVQ c+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ w+16(FP), DX
	MOVQ m+24(FP), CX
	MOVQ k+32(FP), R8
	MOVQ n+40(FP), R9
	MOVQ R9, R10
	SHLQ $2, R10          // row stride of w and c in bytes
	MOVQ R10, BX
	ANDQ $~127, BX       // bytes of the 32-column blocks
	TESTQ CX, CX
	JLE adone
	TESTQ R8, R8
	JLE adone

arow:
	XORQ R11, R11         // column offset in bytes
	CMPQ R11, BX
	JGE atail

acols:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ SI, R12          // a[i, 0]
	LEAQ (DX)(R11*1), R13 // w[0, j]
	MOVQ R8, R14

ainner:
	VBROADCASTSS (R12), Y4
	VMULPS (R13), Y4, Y5
	VADDPS Y5, Y0, Y0
	VMULPS 32(R13), Y4, Y6
	VADDPS Y6, Y1, Y1
	VMULPS 64(R13), Y4, Y7
	VADDPS Y7, Y2, Y2
	VMULPS 96(R13), Y4, Y8
	VADDPS Y8, Y3, Y3
	ADDQ $4, R12
	ADDQ R10, R13
	DECQ R14
	JNZ ainner

	VMOVUPS Y0, (DI)(R11*1)
	VMOVUPS Y1, 32(DI)(R11*1)
	VMOVUPS Y2, 64(DI)(R11*1)
	VMOVUPS Y3, 96(DI)(R11*1)
	ADDQ $128, R11
	CMPQ R11, BX
	JLT acols

atail:
	CMPQ R11, R10
	JGE anext
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	MOVQ SI, R12
	LEAQ (DX)(R11*1), R13
	MOVQ R8, R14

atinner:
	VBROADCASTSS (R12), Y4
	VMULPS (R13), Y4, Y5
	VADDPS Y5, Y0, Y0
	VMULPS 32(R13), Y4, Y6
	VADDPS Y6, Y1, Y1
	ADDQ $4, R12
	ADDQ R10, R13
	DECQ R14
	JNZ atinner

	VMOVUPS Y0, (DI)(R11*1)
	VMOVUPS Y1, 32(DI)(R11*1)

anext:
	LEAQ (SI)(R8*4), SI
	ADDQ R10, DI
	DECQ CX
	JNZ arow

adone:
	VZEROUPPER
	RET
