#include "textflag.h"

// func siluAVX(y, x *float32, n int, c *[siluConsts][4]uint64) int
// y[i] = x[i] / (1 + float32(math.Exp(−float64(x[i])))) for i < n (a multiple of 4),
// four lanes at a time, with the operations of math.Exp's amd64 FMA path (exp_amd64.s,
// label avxfma) in their order, then silu's float32 add and divide: each lane is the
// scalar result bit for bit. It stops before the first group of four with a lane
// where |x| > 700 or NaN (math.Exp's special paths) and returns how many it wrote.
TEXT ·siluAVX(SB), NOSPLIT, $0-40
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ c+24(FP), AX
	XORQ DX, DX
	TESTQ CX, CX
	JLE sdone

sloop:
	VCVTPS2PD (SI), Y0          // float64(x)
	VXORPD 0(AX), Y0, Y0        // a = −x
	VANDPD 32(AX), Y0, Y1
	VCMPPD $2, 64(AX), Y1, Y1   // |a| ≤ 700 (false for NaN)
	VMOVMSKPD Y1, BX
	CMPQ BX, $15
	JNE sdone
	VMULPD 96(AX), Y0, Y1       // a·log2e
	VCVTPD2DQY Y1, X2           // k, rounded to nearest
	VCVTDQ2PD X2, Y1
	VFNMADD231PD 128(AX), Y1, Y0 // a − k·ln2U
	VFNMADD231PD 160(AX), Y1, Y0 // − k·ln2L
	VMULPD 192(AX), Y0, Y0      // · 1/16
	VMOVUPD 224(AX), Y3         // Taylor series
	VFMADD213PD 256(AX), Y0, Y3
	VFMADD213PD 288(AX), Y0, Y3
	VFMADD213PD 320(AX), Y0, Y3
	VFMADD213PD 352(AX), Y0, Y3
	VFMADD213PD 384(AX), Y0, Y3
	VFMADD213PD 416(AX), Y0, Y3 // 0.5
	VFMADD213PD 448(AX), Y0, Y3 // 1
	VMULPD Y3, Y0, Y0
	VADDPD 480(AX), Y0, Y3      // squarings: r·(r + 2), four times
	VMULPD Y3, Y0, Y0
	VADDPD 480(AX), Y0, Y3
	VMULPD Y3, Y0, Y0
	VADDPD 480(AX), Y0, Y3
	VMULPD Y3, Y0, Y0
	VADDPD 480(AX), Y0, Y3
	VFMADD213PD 448(AX), Y3, Y0 // r·(r + 2) + 1
	VPMOVSXDQ X2, Y2
	VPADDQ 544(AX), Y2, Y2      // k + bias
	VPSLLQ $52, Y2, Y2          // 2^k
	VMULPD Y2, Y0, Y0           // math.Exp(a)
	VCVTPD2PSY Y0, X0           // float32(…)
	VADDPS 512(AX), X0, X0      // 1 + …
	VMOVUPS (SI), X4
	VDIVPS X0, X4, X4           // x / (1 + …)
	VMOVUPS X4, (DI)
	ADDQ $16, SI
	ADDQ $16, DI
	ADDQ $4, DX
	SUBQ $4, CX
	JGT sloop

sdone:
	VZEROUPPER
	MOVQ DX, ret+32(FP)
	RET
