#include "textflag.h"

// func s5OutSSE(y, u, d, crT, ciT, xs *float32, T, H, P int)
// The S5 output at T positions: y[t,h] = d[h]·u[t,h] + Σ_q (crT[q,h]·xr[t,q] −
// ciT[q,h]·xi[t,q]), xs[t] = [xr | xi] (2P), H a multiple of 4; four channels h at a
// time, each lane with the scalar operations in their order (no FMA).
TEXT ·s5OutSSE(SB), NOSPLIT, $0-72
	MOVQ y+0(FP), DI
	MOVQ u+8(FP), SI
	MOVQ xs+40(FP), R8
	MOVQ T+48(FP), CX
	MOVQ H+56(FP), R9
	MOVQ P+64(FP), R10
	MOVQ R9, R11
	SHLQ $2, R11            // H in bytes: row stride of crT, ciT, y, u
	TESTQ CX, CX
	JLE done

pos:
	XORQ BX, BX             // channel offset in bytes

chans:
	MOVQ d+16(FP), AX
	MOVUPS (AX)(BX*1), X0
	MOVUPS (SI)(BX*1), X1
	MULPS X1, X0            // d·u
	MOVQ crT+24(FP), R12
	ADDQ BX, R12
	MOVQ ciT+32(FP), R13
	ADDQ BX, R13
	MOVQ R8, R14            // xr[t, 0]
	LEAQ (R8)(R10*4), R15   // xi[t, 0]
	MOVQ R10, DX

states:
	MOVSS (R14), X2
	SHUFPS $0, X2, X2
	MOVUPS (R12), X3
	MULPS X2, X3            // cr·xr
	MOVSS (R15), X4
	SHUFPS $0, X4, X4
	MOVUPS (R13), X5
	MULPS X4, X5            // ci·xi
	SUBPS X5, X3
	ADDPS X3, X0
	ADDQ $4, R14
	ADDQ $4, R15
	ADDQ R11, R12
	ADDQ R11, R13
	DECQ DX
	JNZ states

	MOVUPS X0, (DI)(BX*1)
	ADDQ $16, BX
	CMPQ BX, R11
	JLT chans

	ADDQ R11, DI
	ADDQ R11, SI
	LEAQ (R8)(R10*8), R8    // next xs row (2P floats)
	DECQ CX
	JNZ pos

done:
	RET
