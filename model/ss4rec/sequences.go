package ss4rec

import (
	"math"
	"slices"

	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/scoring"
)

// GapScale maps a gap in seconds to the model's τ = 1 + log1p(gap in hours). The
// S5 step is Δ = τ·exp(log_step) and a zero step would leave the input out of the
// state entirely (B̄ = (Λ̄−1)/Λ·B = 0), so every interaction counts as one unit of time
// and the gap adds its log-hours: a same-second tie is τ = 1 (the time-blind step),
// twenty years τ ≈ 13, and no gap can overflow the discretisation. A negative gap
// (impossible in time-sorted data) is treated as 0.
func GapScale(seconds int64) float32 {
	if seconds <= 0 {
		return 1
	}
	return 1 + float32(math.Log1p(float64(seconds)/3600))
}

// vocab maps MovieLens item ids to table rows 1..n (0 is padding, n+1 unknown).
type vocab struct {
	ids   []int32 // ids[i-1] is the item at row i, ascending
	index map[int32]int32
}

func newVocab(rows []ratings.Rating) vocab {
	seen := map[int32]bool{}
	for _, r := range rows {
		seen[r.Item] = true
	}
	v := vocab{index: make(map[int32]int32, len(seen))}
	for id := range seen {
		v.ids = append(v.ids, id)
	}
	slices.Sort(v.ids)
	for i, id := range v.ids {
		v.index[id] = int32(i + 1)
	}
	return v
}

// row returns the table row of item id, or the unknown row.
func (v vocab) row(id int32) int32 {
	if r, ok := v.index[id]; ok {
		return r
	}
	return int32(len(v.ids) + 1)
}

func rateIndex(r float32) uint8 { return uint8(math.Round(float64(r) * 2)) }

// windowStart is the first position of the window whose state predicts from
// position p: windows start every W/2 positions and a state position p is read from
// the window in which it falls in the second half (or the first window), so every
// prediction sees between W/2 and W positions of context when the history has them.
func windowStart(p, w int) int {
	if p < w {
		return 0
	}
	return (p/(w/2) - 1) * (w / 2)
}

// statePos returns, for each interaction k of a time-sorted sequence, the index of
// the last interaction strictly before it (−1 if none): interactions sharing k's
// second are not history (docs/design.md §Data protocol).
func statePos(seq []scoring.Interaction) []int {
	out := make([]int, len(seq))
	start := 0 // first index of the current tie group
	for k := range seq {
		if k > 0 && seq[k].Time != seq[k-1].Time {
			start = k
		}
		out[k] = start - 1
	}
	return out
}

// window is one training window, a view into a windowSet: positions [s, s+len) of a
// user's sequence and the targets read from them.
type window struct {
	items  []int32   // per position: item table row
	rates  []uint8   // per position: rating·2
	tau    []float32 // per position: scaled gap to the next interaction
	tPos   []int32   // per target: the window position whose state predicts it
	tItem  []int32   // per target: item table row
	tRates []uint8   // per target: rating·2 (the rating is tRates/2, exactly: half steps)
}

// windowSet is every training window, stored once per interaction rather than once
// per window: the windows overlap by half, so materialising each window's positions
// and targets (as slices of its own) held every position twice, with the slices'
// headers and growth on top, about 1 GB for ML-32M-scale data. Here each user's
// time-sorted training sequence is one run of the flat per-interaction columns
// (users in ascending id), and a window is a span of it: its positions are a run of
// interactions and its targets another (the interactions whose state position falls
// in the window, which are consecutive because state positions and window starts
// only grow along a sequence). A target's item and rating are the columns at its own
// interaction; tPos is stored at that interaction too (each interaction is the target
// of at most one window). About 13 bytes per training interaction.
type windowSet struct {
	items []int32   // per interaction: item table row
	rates []uint8   // per interaction: rating·2
	tau   []float32 // per interaction: scaled gap to the user's next interaction (0 at the last)
	tPos  []int32   // per interaction: its position in the window it is a target of (unused if none)
	spans []span    // per window, in training-example order
}

// span is one window of a windowSet: positions pos..pos+n−1 and targets tgt..tgt+nt−1,
// both as indices into the flat columns.
type span struct{ pos, n, tgt, nt int32 }

// len is the number of windows.
func (ws *windowSet) len() int { return len(ws.spans) }

// at returns window i as a view (no copy).
func (ws *windowSet) at(i int) window {
	p := ws.spans[i]
	a, b := p.pos, p.pos+p.n
	c, d := p.tgt, p.tgt+p.nt
	return window{items: ws.items[a:b], rates: ws.rates[a:b], tau: ws.tau[a:b],
		tPos: ws.tPos[c:d], tItem: ws.items[c:d], tRates: ws.rates[c:d]}
}

// buildWindows cuts every user's training sequence into windows (see windowStart)
// and assigns each interaction that has history to the window its state position
// falls in. Padding is added when windows are batched.
func buildWindows(cfg Net, v vocab, hist *scoring.History, users []int32) windowSet {
	W := cfg.MaxSeqLen
	n := 0
	for _, u := range users {
		n += len(hist.All(u))
	}
	ws := windowSet{items: make([]int32, n), rates: make([]uint8, n), tau: make([]float32, n), tPos: make([]int32, n)}
	base := 0 // the user's first interaction in the columns
	for _, u := range users {
		seq := hist.All(u)
		for i, r := range seq {
			ws.items[base+i] = v.row(r.Item)
			ws.rates[base+i] = rateIndex(r.Rating)
			if i+1 < len(seq) {
				ws.tau[base+i] = cfg.gap(seq[i+1].Time - r.Time)
			}
		}
		sp := statePos(seq)
		for k := 0; k < len(seq); {
			if sp[k] < 0 {
				k++
				continue
			}
			s := windowStart(sp[k], W)
			k1 := k // targets k..k1-1 share the window starting at s
			for k1 < len(seq) && windowStart(sp[k1], W) == s {
				ws.tPos[base+k1] = int32(sp[k1] - s)
				k1++
			}
			end := sp[k1-1] + 1 // positions s..end-1 are needed
			ws.spans = append(ws.spans, span{pos: int32(base + s), n: int32(end - s), tgt: int32(base + k), nt: int32(k1 - k)})
			k = k1
		}
		base += len(seq)
	}
	return ws
}

// batch is nb right-padded windows of T positions and the targets read from them.
type batch struct {
	nb, T   int
	items   []int32   // [nb·T] item table index (0 = padding)
	rates   []uint8   // [nb·T] rating·2 (0 = padding)
	tau     []float32 // [nb·T] scaled gap to the next interaction (0 at padding)
	tRow    []int32   // per target: the row b·T+p whose state predicts it
	tItem   []int32   // per target: item table index
	tRating []float32 // per target: true rating (training only)
}

// makeBatch pads windows ws on the right to T positions.
func makeBatch(ws []window, T int, b *batch) {
	rows := len(ws) * T
	b.nb, b.T = len(ws), T
	b.items = slices.Grow(b.items[:0], rows)[:rows]
	b.rates = slices.Grow(b.rates[:0], rows)[:rows]
	b.tau = grow(b.tau, rows)
	clear(b.items)
	clear(b.rates)
	clear(b.tau)
	b.tRow, b.tItem, b.tRating = b.tRow[:0], b.tItem[:0], b.tRating[:0]
	for i, w := range ws {
		copy(b.items[i*T:], w.items)
		copy(b.rates[i*T:], w.rates)
		copy(b.tau[i*T:], w.tau)
		for _, p := range w.tPos {
			b.tRow = append(b.tRow, int32(i*T)+p)
		}
		b.tItem = append(b.tItem, w.tItem...)
		for _, r := range w.tRates {
			b.tRating = append(b.tRating, float32(r)/2)
		}
	}
}
