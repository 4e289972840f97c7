#include "textflag.h"

// The selective scan's position kernels on AVX2, eight states per register.
// AX points at mambaConsts: each constant in eight lanes (32 bytes):
//   0 log2e, 32 magic, 64 ln2hi, 96 ln2lo, 128 one, 160 1/720, 192 1/120,
//   224 1/24, 256 1/6, 288 1/2, 320 0x4b400000−127 (int), 352 −87.3.

// EXP8: Y5 = expf(Y0) lane by lane, with expf's operations in its order (no FMA),
// so each lane equals the scalar expf bit for bit; a lane below −87.3 gives 0 (as
// expf's slow path; NaN stays NaN). Clobbers Y1–Y4.
#define EXP8 \
	VCMPPS $5, 352(AX), Y0, Y3; \
	VMULPS 0(AX), Y0, Y1; \
	VADDPS 32(AX), Y1, Y1; \
	VSUBPS 32(AX), Y1, Y2; \
	VMULPS 64(AX), Y2, Y4; \
	VSUBPS Y4, Y0, Y4; \
	VMULPS 96(AX), Y2, Y2; \
	VSUBPS Y2, Y4, Y4; \
	VMULPS 160(AX), Y4, Y5; \
	VADDPS 192(AX), Y5, Y5; \
	VMULPS Y4, Y5, Y5; \
	VADDPS 224(AX), Y5, Y5; \
	VMULPS Y4, Y5, Y5; \
	VADDPS 256(AX), Y5, Y5; \
	VMULPS Y4, Y5, Y5; \
	VADDPS 288(AX), Y5, Y5; \
	VMULPS Y4, Y5, Y5; \
	VADDPS 128(AX), Y5, Y5; \
	VMULPS Y4, Y5, Y5; \
	VADDPS 128(AX), Y5, Y5; \
	VPSUBD 320(AX), Y1, Y1; \
	VPSLLD $23, Y1, Y1; \
	VMULPS Y1, Y5, Y5; \
	VANDPS Y3, Y5, Y5

// func mambaFwdAVX(next, prev, a, dt, dx, bm *float32, rows, n int, c *[mambaConsts][8]float32)
// next[i·n+k] = expf(dt[i]·a[i·n+k])·prev[i·n+k] + dx[i]·bm[k] for i < rows, k < n
// (n a multiple of 8), as the scalar scan computes it, bit for bit.
TEXT ·mambaFwdAVX(SB), NOSPLIT, $0-72
	MOVQ next+0(FP), DI
	MOVQ prev+8(FP), SI
	MOVQ a+16(FP), R8
	MOVQ dt+24(FP), DX
	MOVQ dx+32(FP), R9
	MOVQ rows+48(FP), CX
	MOVQ c+64(FP), AX
	TESTQ CX, CX
	JLE fdone

frow:
	VBROADCASTSS (DX), Y6  // dt
	VBROADCASTSS (R9), Y7  // dx
	MOVQ bm+40(FP), R10
	MOVQ n+56(FP), BX

flanes:
	VMOVUPS (R8), Y0
	VMULPS Y6, Y0, Y0      // x = dt·a
	EXP8
	VMOVUPS (SI), Y2
	VMULPS Y2, Y5, Y5      // ex·h
	VMOVUPS (R10), Y3
	VMULPS Y7, Y3, Y3      // dx·bm
	VADDPS Y3, Y5, Y5
	VMOVUPS Y5, (DI)
	ADDQ $32, R8
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, R10
	SUBQ $8, BX
	JGT flanes

	ADDQ $4, DX
	ADDQ $4, R9
	DECQ CX
	JGT frow

fdone:
	VZEROUPPER
	RET

// func mambaBwdAVX(gh, cm, bm, he, prev, a, dt, dy, dtx, da, dcm, dbm, s1, s2 *float32, rows, n int, c *[mambaConsts][8]float32)
// One position of the selective scan's backward, for rows i < rows and states k < n
// (n a multiple of 8), with G = gh + dy[i]·cm and ex = expf(dt[i]·a):
//   dcm += dy[i]·he;  da += G·prev·ex·dt[i];  dbm += G·dtx[i];  gh = G·ex;
//   s1[i] = Σ_k G·prev·ex·a;  s2[i] = Σ_k G·bm.
TEXT ·mambaBwdAVX(SB), NOSPLIT, $0-136
	MOVQ gh+0(FP), DI
	MOVQ he+24(FP), SI
	MOVQ prev+32(FP), R8
	MOVQ a+40(FP), R9
	MOVQ da+72(FP), R10
	MOVQ c+128(FP), AX
	XORQ CX, CX

brow:
	CMPQ CX, rows+112(FP)
	JGE bdone
	MOVQ dt+48(FP), DX
	VBROADCASTSS (DX)(CX*4), Y13
	MOVQ dy+56(FP), DX
	VBROADCASTSS (DX)(CX*4), Y12
	MOVQ dtx+64(FP), DX
	VBROADCASTSS (DX)(CX*4), Y11
	VXORPS Y15, Y15, Y15   // Σ G·prev·ex·a
	VXORPS Y14, Y14, Y14   // Σ G·bm
	MOVQ cm+8(FP), R11
	MOVQ bm+16(FP), R12
	MOVQ dcm+80(FP), R13
	MOVQ dbm+88(FP), BX
	MOVQ n+120(FP), DX
	LEAQ (R12)(DX*4), DX   // end of bm

blanes:
	VMOVUPS (R9), Y8       // a
	VMULPS Y13, Y8, Y0     // x = dt·a
	EXP8                   // Y5 = ex
	VMOVUPS (R11), Y6      // cm
	VMULPS Y12, Y6, Y6
	VADDPS (DI), Y6, Y6    // G = gh + dy·cm
	VMULPS (SI), Y12, Y7   // dy·he
	VADDPS (R13), Y7, Y7
	VMOVUPS Y7, (R13)      // dcm
	VMULPS (R8), Y6, Y7    // G·prev
	VMULPS Y5, Y7, Y7      // dav = G·prev·ex
	VMULPS Y8, Y7, Y9
	VADDPS Y9, Y15, Y15    // s1 += dav·a
	VMULPS Y13, Y7, Y7
	VADDPS (R10), Y7, Y7
	VMOVUPS Y7, (R10)      // da += dav·dt
	VMULPS (R12), Y6, Y9
	VADDPS Y9, Y14, Y14    // s2 += G·bm
	VMULPS Y11, Y6, Y9
	VADDPS (BX), Y9, Y9
	VMOVUPS Y9, (BX)       // dbm += G·dt·x
	VMULPS Y5, Y6, Y6
	VMOVUPS Y6, (DI)       // gh = G·ex
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, R8
	ADDQ $32, R9
	ADDQ $32, R10
	ADDQ $32, R11
	ADDQ $32, R13
	ADDQ $32, BX
	ADDQ $32, R12
	CMPQ R12, DX
	JLT blanes

	VEXTRACTF128 $1, Y15, X0
	VADDPS X0, X15, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	MOVQ s1+96(FP), DX
	VMOVSS X0, (DX)(CX*4)
	VEXTRACTF128 $1, Y14, X1
	VADDPS X1, X14, X1
	VHADDPS X1, X1, X1
	VHADDPS X1, X1, X1
	MOVQ s2+104(FP), DX
	VMOVSS X1, (DX)(CX*4)
	INCQ CX
	JMP brow

bdone:
	VZEROUPPER
	RET

// func siluAVX(y, x *float32, n int, c *[mambaConsts][8]float32)
// y = x / (1 + expf(−x)) for n elements (a multiple of 8); −x is clamped to 88.
TEXT ·siluAVX(SB), NOSPLIT, $0-32
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ c+24(FP), AX
	VXORPS Y15, Y15, Y15
	TESTQ CX, CX
	JLE sdone

sloop:
	VMOVUPS (SI), Y6
	VSUBPS Y6, Y15, Y0
	VMINPS 384(AX), Y0, Y0
	EXP8
	VADDPS 128(AX), Y5, Y5
	VDIVPS Y5, Y6, Y6
	VMOVUPS Y6, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JGT sloop

sdone:
	VZEROUPPER
	RET

// func siluGradAVX(dx, x, dy *float32, n int, c *[mambaConsts][8]float32)
// dx = dy·s·(1 + x·(1 − s)) with s = 1/(1 + expf(−x)), n a multiple of 8.
TEXT ·siluGradAVX(SB), NOSPLIT, $0-40
	MOVQ dx+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ dy+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ c+32(FP), AX
	VXORPS Y15, Y15, Y15
	TESTQ CX, CX
	JLE gdone

gloop:
	VMOVUPS (SI), Y6
	VSUBPS Y6, Y15, Y0
	VMINPS 384(AX), Y0, Y0
	EXP8
	VADDPS 128(AX), Y5, Y5
	VMOVUPS 128(AX), Y7
	VDIVPS Y5, Y7, Y7      // s
	VMOVUPS 128(AX), Y8
	VSUBPS Y7, Y8, Y8      // 1 − s
	VMULPS Y6, Y8, Y8      // x·(1 − s)
	VADDPS 128(AX), Y8, Y8
	VMULPS Y7, Y8, Y8
	VMULPS (DX), Y8, Y8
	VMOVUPS Y8, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $8, CX
	JGT gloop

gdone:
	VZEROUPPER
	RET

// LOG1P_EXP: Y8 = log1pf(expf(−|x|)) for x in Y6, Softplus's operations in its order
// (no FMA), so each lane is the scalar's bits; leaves e = expf(−|x|) in Y5 and
// u = 1 + e in Y7. Clobbers Y0–Y4, Y9–Y14; Y15 must be zero.
#define LOG1P_EXP \
	VANDPS 416(AX), Y6, Y0; /* |x| */ \
	VSUBPS Y0, Y15, Y0; /* −|x| */ \
	EXP8; /* Y5 = e = expf(−|x|), the y of log1pf */ \
	VADDPS 128(AX), Y5, Y7; /* u = 1 + e */ \
	VCMPPS $0, 128(AX), Y7, Y14; /* u == 1: log1pf returns e */ \
	VPSRLD $23, Y7, Y8; \
	VPSUBD 768(AX), Y8, Y8; /* k = exponent − 127 */ \
	VANDPS 448(AX), Y7, Y9; \
	VORPS 480(AX), Y9, Y9; /* m in [1, 2) */ \
	VCMPPS $14, 512(AX), Y9, Y10; /* m > √2 */ \
	VMULPS 544(AX), Y9, Y11; \
	VBLENDVPS Y10, Y11, Y9, Y9; /* m·0.5 where m > √2 */ \
	VPSUBD Y10, Y8, Y8; /* k+1 there */ \
	VSUBPS 128(AX), Y9, Y11; \
	VADDPS 128(AX), Y9, Y12; \
	VDIVPS Y12, Y11, Y11; /* s = (m − 1)/(m + 1) */ \
	VMULPS Y11, Y11, Y12; /* s2 */ \
	VMULPS 704(AX), Y12, Y13; \
	VADDPS 672(AX), Y13, Y13; \
	VMULPS Y12, Y13, Y13; \
	VADDPS 640(AX), Y13, Y13; \
	VMULPS Y12, Y13, Y13; \
	VADDPS 608(AX), Y13, Y13; \
	VMULPS Y12, Y13, Y13; \
	VADDPS 128(AX), Y13, Y13; /* 1 + s2·(…) */ \
	VMULPS 576(AX), Y11, Y11; \
	VMULPS Y13, Y11, Y11; /* l = 2·s·(…) */ \
	VCVTDQ2PS Y8, Y8; \
	VMULPS 736(AX), Y8, Y8; /* k·ln2 */ \
	VADDPS Y11, Y8, Y8; \
	VSUBPS 128(AX), Y7, Y9; \
	VSUBPS Y5, Y9, Y9; \
	VDIVPS Y7, Y9, Y9; /* ((u − 1) − e)/u */ \
	VSUBPS Y9, Y8, Y8; /* log1pf */ \
	VBLENDVPS Y14, Y5, Y8, Y8 /* e where u == 1 */

// func softplusAVX(y, x *float32, n int, c *[mambaConsts][8]float32)
// y = Softplus(x) = max(x, 0) + log1pf(expf(−|x|)) for n elements (a multiple of 8),
// with Softplus's operations in its order (no FMA): bit for bit the scalar result.
TEXT ·softplusAVX(SB), NOSPLIT, $0-32
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ c+24(FP), AX
	VXORPS Y15, Y15, Y15
	TESTQ CX, CX
	JLE pdone

ploop:
	VMOVUPS (SI), Y6            // x
	LOG1P_EXP                   // Y8 = log1pf(e), Y5 = e, Y7 = 1 + e
	VMAXPS Y15, Y6, Y6          // max(x, 0)
	VADDPS Y8, Y6, Y6
	VMOVUPS Y6, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JGT ploop

pdone:
	VZEROUPPER
	RET

// func softplusSigmoidAVX(y, s, x *float32, n int, c *[mambaConsts][8]float32)
// softplusAVX's y, and s = Sigmoid(x) = (x < 0 ? e : 1)/(1 + e) from the same
// e = expf(−|x|): bit for bit the scalar results.
TEXT ·softplusSigmoidAVX(SB), NOSPLIT, $0-40
	MOVQ y+0(FP), DI
	MOVQ s+8(FP), R8
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
	MOVQ c+32(FP), AX
	VXORPS Y15, Y15, Y15
	TESTQ CX, CX
	JLE qdone

qloop:
	VMOVUPS (SI), Y6            // x
	LOG1P_EXP                   // Y8 = log1pf(e), Y5 = e, Y7 = 1 + e
	VCMPPS $1, Y15, Y6, Y10     // x < 0
	VMOVUPS 128(AX), Y11
	VBLENDVPS Y10, Y5, Y11, Y11 // e there, 1 elsewhere
	VDIVPS Y7, Y11, Y11         // / (1 + e)
	VMOVUPS Y11, (R8)
	VMAXPS Y15, Y6, Y6          // max(x, 0)
	VADDPS Y8, Y6, Y6
	VMOVUPS Y6, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, R8
	SUBQ $8, CX
	JGT qloop

qdone:
	VZEROUPPER
	RET
