package ss4rec

import (
	"math"
	"slices"

	"github.com/recpipe/recpipe/model/kernels"
)

// engine holds what every inference worker reads: the network and the per-model
// constants of the scans (Mamba's A, S5's Λ and step), computed once per Predict.
type engine struct {
	m    *Model
	n    *net
	aNeg [][]float32      // per block: A = −exp(a_log) [E·N]
	s5B  [][]float32      // per block: [Bᵀ_re | Bᵀ_im] [H×2P], so B·u is one matmul over positions
	disc []kernels.S5Disc // per block
	cT   [][]float32      // per block: [C_reᵀ | C_imᵀ] [2·P×H]
	// per block and channel: the smallest and largest A over its states
	aMin, aMax [][]float32
	// per block: Mamba's x-projections side by side, [wxdt | wxb | wxc | 0] [E×wxW]
	wx  [][]float32
	wxW int
	// per block: the convolution's weights as [K×E], so its loops read them in order
	convT [][]float32

	carries *carryCache // states carried between calls (nil: none)
}

func newEngine(m *Model) *engine {
	n := m.net
	cfg := n.cfg
	H, P := cfg.Dim, cfg.S5States
	e := &engine{m: m, n: n, aNeg: make([][]float32, len(n.blocks)), s5B: make([][]float32, len(n.blocks)), disc: make([]kernels.S5Disc, len(n.blocks))}
	for l := range n.blocks {
		b := &n.blocks[l]
		if !cfg.S5Only {
			a := kernels.NegExp(b.aLog.Value)
			e.aNeg[l] = a
			N := cfg.MambaN
			lo, hi := make([]float32, cfg.e()), make([]float32, cfg.e())
			for c := range lo {
				lo[c], hi[c] = slices.Min(a[c*N:c*N+N]), slices.Max(a[c*N:c*N+N])
			}
			e.aMin, e.aMax = append(e.aMin, lo), append(e.aMax, hi)
			E, R := cfg.e(), cfg.dtRank()
			e.wxW = (R + 2*N + 15) / 16 * 16
			wx := make([]float32, E*e.wxW)
			for c := range E {
				row := wx[c*e.wxW:]
				copy(row[:R], b.wxdt.Value[c*R:c*R+R])
				copy(row[R:R+N], b.wxb.Value[c*N:c*N+N])
				copy(row[R+N:R+2*N], b.wxc.Value[c*N:c*N+N])
			}
			e.wx = append(e.wx, wx)
			e.convT = append(e.convT, transposeEK(b.convW.Value, E, convK))
		} else {
			e.aMin, e.aMax = append(e.aMin, nil), append(e.aMax, nil)
			e.wx = append(e.wx, nil)
			e.convT = append(e.convT, nil)
		}
		if !cfg.MambaOnly {
			e.disc[l] = kernels.NewS5Disc(b.s5W)
			bt := make([]float32, H*2*P)
			for q := range P {
				for h := range H {
					bt[h*2*P+q] = b.s5W.BRe[q*H+h]
					bt[h*2*P+P+q] = b.s5W.BIm[q*H+h]
				}
			}
			e.s5B[l] = bt
			ct := make([]float32, 2*P*H)
			for h := range H {
				for q := range P {
					ct[q*H+h] = b.s5W.CRe[h*P+q]
					ct[P*H+q*H+h] = b.s5W.CIm[h*P+q]
				}
			}
			e.cT = append(e.cT, ct)
		} else {
			e.cT = append(e.cT, nil)
		}
	}
	return e
}

// maxCoefSlots bounds a worker's cache of S5 coefficients (distinct gaps; each slot
// holds 4·P float64 per block).
const maxCoefSlots = 4096

// coefChunk is the number of slots in one allocation of the cache: it grows a chunk
// at a time, without copying what it holds.
const coefChunk = 256

// worker is one goroutine's workspace: buffers sized for one window, the S5
// coefficient cache, and the state and scratch of recurrent steps.
type worker struct {
	e        *engine
	slot     map[uint32]int32 // τ bits → slot in coef
	coef     [][][]float64    // per block: chunks of coefChunk slots × 4P
	tmp      []float64
	sr, si   []float64 // S5 state during a window
	dtv, dxv []float32 // Δ = softplus(dtr) of the whole window [T×E]; Δ·x of one position [E]

	tau                    []float32
	slots                  []int32
	x, y, h, bu, xs5       []float32 // [T×H], [T×H], [T×H], [T×2P], [T×2P]
	s5u                    []float32 // [T×H] the S5 input scaled per τ (Net.s5InScale)
	xi, z, xc, xs, ysc, gt []float32 // [T×E]
	dtl, dtr, bm, cm, m    []float32
	xp                     []float32 // [T×wxW] x-projections
	out                    []float32 // last block output [T×H]
	need                   []bool    // rows whose last-block output a direct query reads
	needRows               []int32
	hN                     []float32

	from, save *carry    // the state this pass resumes from, and the one it leaves (nil: none)
	xiAll      []float32 // [(K−1+T)×E]: K−1 carried convolution inputs, then xi

	snapRows []int32     // window rows after which a recurrent step starts (sorted)
	snaps    []*netState // layer states after each snapRow

	st *netState
	sc *stepScratch
	u  []float32
}

func (e *engine) newWorker() *worker {
	return &worker{e: e, slot: map[uint32]int32{}, coef: make([][][]float64, len(e.n.blocks)),
		st: e.n.newState(), sc: e.n.newScratch(), u: make([]float32, e.n.cfg.Dim)}
}

// coefSlot returns the cache slot of τ's S5 coefficients, computing them on a miss
// (−1: the cache is full; coefs then computes them at each use).
func (w *worker) coefSlot(tau float32) int32 {
	key := math.Float32bits(tau)
	if s, ok := w.slot[key]; ok {
		return s
	}
	if len(w.slot) >= maxCoefSlots {
		return -1
	}
	s := int32(len(w.slot))
	w.slot[key] = s
	P4 := 4 * w.e.n.cfg.S5States
	o := int(s) % coefChunk * P4
	for l, d := range w.e.disc {
		if o == 0 {
			w.coef[l] = append(w.coef[l], make([]float64, coefChunk*P4))
		}
		d.Coefs(tau, w.coef[l][int(s)/coefChunk][o:o+P4])
	}
	return s
}

// coefs returns block l's coefficients for window row t.
func (w *worker) coefs(l, t int) []float64 {
	P := w.e.n.cfg.S5States
	if s := w.slots[t]; s >= 0 {
		o := int(s) % coefChunk * 4 * P
		return w.coef[l][int(s)/coefChunk][o : o+4*P]
	}
	w.tmp = growF64(w.tmp, 4*P)
	w.e.disc[l].Coefs(w.tau[t], w.tmp)
	return w.tmp
}

func growF64(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}
