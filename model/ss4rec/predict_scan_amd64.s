#include "textflag.h"

// func scanRowsSSE(h, a, dt, dx, bm *float32, rows, n int, c *[expConsts][4]float32)
// One position of the selective scan: h[i·n+k] = expf(dt[i]·a[i·n+k])·h[i·n+k] +
// dx[i]·bm[k] for i < rows, k < n (n a multiple of 4), four lanes at a time with
// the operations of expf and of the scalar update in their order (no FMA), so each
// lane is the scalar result bit for bit. The caller has checked expf's range.
TEXT ·scanRowsSSE(SB), NOSPLIT, $0-64
	MOVQ h+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ dt+16(FP), DX
	MOVQ dx+24(FP), R9
	MOVQ bm+32(FP), R10
	MOVQ rows+40(FP), CX
	MOVQ n+48(FP), BX
	MOVQ c+56(FP), AX
	MOVUPS 0(AX), X8    // log2e
	MOVUPS 16(AX), X9   // magic
	MOVUPS 32(AX), X10  // ln2hi
	MOVUPS 48(AX), X11  // ln2lo
	MOVUPS 64(AX), X12  // 1
	MOVUPS 80(AX), X13  // 1/720
	MOVUPS 96(AX), X14  // 1/120
	TESTQ CX, CX
	JLE done

rowloop:
	MOVSS (DX), X6
	SHUFPS $0, X6, X6   // dt in every lane
	MOVQ BX, R8
	MOVQ R10, R11       // bm[0]

lanes:
	MOVUPS (SI), X0
	MULPS X6, X0        // x = dt·a
	MOVAPS X0, X1
	MULPS X8, X1
	ADDPS X9, X1        // f = x·log2e + magic
	MOVAPS X1, X2
	SUBPS X9, X2        // kf = f − magic
	MOVAPS X2, X3
	MULPS X10, X3       // kf·ln2hi
	MOVAPS X0, X4
	SUBPS X3, X4        // x − kf·ln2hi
	MULPS X11, X2       // kf·ln2lo
	SUBPS X2, X4        // r
	MOVAPS X4, X5
	MULPS X13, X5       // r·(1/720)
	ADDPS X14, X5       // 1/120 + …
	MULPS X4, X5
	MOVUPS 112(AX), X7  // 1/24
	ADDPS X7, X5
	MULPS X4, X5
	MOVUPS 128(AX), X7  // 1/6
	ADDPS X7, X5
	MULPS X4, X5
	MOVUPS 144(AX), X7  // 1/2
	ADDPS X7, X5
	MULPS X4, X5
	ADDPS X12, X5       // 1 + …
	MULPS X4, X5
	ADDPS X12, X5       // p
	MOVUPS 160(AX), X7  // 0x4b400000 − 127
	PSUBL X7, X1
	PSLLL $23, X1       // 2^k
	MULPS X1, X5        // ex
	MOVUPS (DI), X2
	MULPS X2, X5        // ex·h
	MOVSS (R9), X7
	SHUFPS $0, X7, X7   // dx in every lane
	MOVUPS (R11), X3
	MULPS X7, X3        // dx·bm
	ADDPS X3, X5
	MOVUPS X5, (DI)
	ADDQ $16, SI
	ADDQ $16, DI
	ADDQ $16, R11
	SUBQ $4, R8
	JGT lanes

	ADDQ $4, DX
	ADDQ $4, R9
	DECQ CX
	JNZ rowloop

done:
	RET
