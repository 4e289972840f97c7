package kernels

// S5Dims are the sizes of one S5 scan: batch B, length T, channels H, states P.
type S5Dims struct{ B, T, H, P int }

// S5Params are the S5 layer's parameters (or, in a backward call, their gradients).
//
//	Λ_p = -exp(LogA_p) + i·ImA_p  (Re Λ < 0 by construction)
//	Δ_{t,p} = τ_t · exp(LogStep_p)
//	B, C complex: B is [P,H], C is [H,P]; D is [H].
type S5Params struct {
	LogA, ImA, LogStep []float32 // [P]
	BRe, BIm           []float32 // [P*H]
	CRe, CIm           []float32 // [H*P]
	D                  []float32 // [H]
}

// MambaDims are the sizes of one selective scan: batch B, length T, channels E, states N.
type MambaDims struct{ B, T, E, N int }

// MambaIn are the inputs of a selective scan (or, in a backward call, their gradients).
//
//	Δ_{t,e} = softplus(DtRaw_{t,e});  A_{e,n} = -exp(ALog_{e,n})
//	h_t = exp(Δ A)·h_{t-1} + Δ·B_t·x_t;  y_t = Σ_n C_{t,n} h_{t,n} + D_e x_t
type MambaIn struct {
	X, DtRaw []float32 // [B*T*E]
	Bm, Cm   []float32 // [B*T*N]
	ALog     []float32 // [E*N]
	D        []float32 // [E]
}

// Backend runs the scans. Forward calls fill y and a cache of states that the
// matching backward call reads; backward calls accumulate (+=) into the gradients.
// CPU is the plain-Go implementation; a GPU one satisfies the same interface.
type Backend interface {
	// S5Forward: u [B,T,H], tau [B,T] (gap, scaled, ≥ 0) → y [B,T,H]; xs [2*B*T*P] caches the states.
	S5Forward(d S5Dims, p S5Params, u, tau, y, xs []float32)
	// S5Backward accumulates du and the parameter gradients g from dy.
	S5Backward(d S5Dims, p S5Params, u, tau, xs, dy, du []float32, g S5Params)
	// MambaForward fills y [B,T,E]; hs [B*T*E*N] caches the states.
	MambaForward(d MambaDims, in MambaIn, y, hs []float32)
	// MambaBackward accumulates the gradients of every input from dy.
	MambaBackward(d MambaDims, in MambaIn, hs, dy []float32, g MambaIn)
}

// S5CacheLen is the length of the xs cache S5Forward needs.
func S5CacheLen(d S5Dims) int { return 2 * d.B * d.T * d.P }

// MambaCacheLen is the length of the hs cache MambaForward needs.
func MambaCacheLen(d MambaDims) int { return d.B * d.T * d.E * d.N }

// NewS5Params allocates zeroed parameters (or gradients) of the given sizes.
func NewS5Params(h, p int) S5Params {
	return S5Params{
		LogA: make([]float32, p), ImA: make([]float32, p), LogStep: make([]float32, p),
		BRe: make([]float32, p*h), BIm: make([]float32, p*h),
		CRe: make([]float32, h*p), CIm: make([]float32, h*p), D: make([]float32, h),
	}
}

// Slices lists the parameter slices in a fixed order (for optimizers and checks).
func (p S5Params) Slices() [][]float32 {
	return [][]float32{p.LogA, p.ImA, p.LogStep, p.BRe, p.BIm, p.CRe, p.CIm, p.D}
}

// NewMambaIn allocates zeroed inputs (or gradients) of the given sizes.
func NewMambaIn(d MambaDims) MambaIn {
	n := d.B * d.T
	return MambaIn{
		X: make([]float32, n*d.E), DtRaw: make([]float32, n*d.E),
		Bm: make([]float32, n*d.N), Cm: make([]float32, n*d.N),
		ALog: make([]float32, d.E*d.N), D: make([]float32, d.E),
	}
}
