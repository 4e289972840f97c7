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
