#include "textflag.h"

// func adamAVX(w, gr, m, v *float32, n int, k *[8]float32)
// adamSpanGo on eight elements at a time (n a multiple of 8), every operation in
// its order and rounding (no FMA; VSQRTPS is float32(math.Sqrt(float64(·))) exactly:
// the square root rounded once from double is the correctly rounded float32 one).
// k: scale, decay, b1, 1−b1, b2, 1−b2, stepSize, eps.
TEXT ·adamAVX(SB), NOSPLIT, $0-48
	MOVQ w+0(FP), DI
	MOVQ gr+8(FP), SI
	MOVQ m+16(FP), DX
	MOVQ v+24(FP), R8
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), AX
	VBROADCASTSS 0(AX), Y8
	VBROADCASTSS 4(AX), Y9
	VBROADCASTSS 8(AX), Y10
	VBROADCASTSS 12(AX), Y11
	VBROADCASTSS 16(AX), Y12
	VBROADCASTSS 20(AX), Y13
	VBROADCASTSS 24(AX), Y14
	VBROADCASTSS 28(AX), Y15
	TESTQ CX, CX
	JLE done

loop:
	VMOVUPS (SI), Y0
	VMOVUPS (DI), Y1
	VMULPS Y8, Y0, Y0      // g·scale
	VMULPS Y9, Y1, Y2      // decay·w
	VADDPS Y2, Y0, Y0      // gj
	VMOVUPS (DX), Y3
	VMULPS Y10, Y3, Y3     // b1·m
	VMULPS Y11, Y0, Y4     // (1−b1)·gj
	VADDPS Y4, Y3, Y3      // mj
	VMOVUPS (R8), Y5
	VMULPS Y12, Y5, Y5     // b2·v
	VMULPS Y13, Y0, Y6     // (1−b2)·gj
	VMULPS Y0, Y6, Y6      // ·gj
	VADDPS Y6, Y5, Y5      // vj
	VMOVUPS Y3, (DX)
	VMOVUPS Y5, (R8)
	VSQRTPS Y5, Y6
	VADDPS Y15, Y6, Y6     // √vj + eps
	VMULPS Y14, Y3, Y7     // stepSize·mj
	VDIVPS Y6, Y7, Y7
	VSUBPS Y7, Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	ADDQ $32, R8
	SUBQ $8, CX
	JGT loop

done:
	VZEROUPPER
	RET
