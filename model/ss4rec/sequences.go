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

// window is one training window: positions [s, s+len) of a user's sequence and the
// targets read from them.
type window struct {
	items   []int32
	rates   []uint8
	tau     []float32
	tPos    []int32
	tItem   []int32
	tRating []float32
}

// buildWindows cuts every user's training sequence into windows (see windowStart)
// and assigns each interaction that has history to the window its state position
// falls in. Padding is added when windows are batched.
func buildWindows(cfg Net, v vocab, hist *scoring.History, users []int32) []window {
	W := cfg.MaxSeqLen
	var out []window
	for _, u := range users {
		seq := hist.All(u)
		sp := statePos(seq)
		byStart := map[int][]int{}
		var starts []int
		for k := range seq {
			p := sp[k]
			if p < 0 {
				continue
			}
			s := windowStart(p, W)
			if _, ok := byStart[s]; !ok {
				starts = append(starts, s)
			}
			byStart[s] = append(byStart[s], k)
		}
		for _, s := range starts {
			ks := byStart[s]
			end := sp[ks[len(ks)-1]] + 1 // positions s..end-1 are needed
			w := window{}
			for i := s; i < end; i++ {
				w.items = append(w.items, v.row(seq[i].Item))
				w.rates = append(w.rates, rateIndex(seq[i].Rating))
				w.tau = append(w.tau, cfg.gap(seq[i+1].Time-seq[i].Time))
			}
			for _, k := range ks {
				w.tPos = append(w.tPos, int32(sp[k]-s))
				w.tItem = append(w.tItem, v.row(seq[k].Item))
				w.tRating = append(w.tRating, seq[k].Rating)
			}
			out = append(out, w)
		}
	}
	return out
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
		b.tRating = append(b.tRating, w.tRating...)
	}
}
