package scoring

import (
	"context"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/recpipe/recpipe/internal/ratings"
)

// biasSearch scores every candidate of the bias baselines' grid on validation: the
// user+item bias of each (item λ, user λ) and the history-aware bias over it for every
// prior. It holds what every candidate reads, by dense train position (−1: unseen in
// train, a zero bias), so that a candidate costs its fit and two passes over arrays.
type biasSearch struct {
	ix  *ratingIndex
	val []ratings.Rating
	up  []int32 // per validation row: the user's train position
	ip  []int32 // per validation row: the item's train position
	n   []int32 // per validation row: how many of its user's interactions precede it
	// The history (train + validation) of each validation user, in History's order
	// (time, then item, then train before validation): users[s]'s is
	// hItem/hR[hStart[s]:hStart[s+1]]; rows byN[rStart[s]:rStart[s+1]] are the user's
	// validation rows by n.
	hStart, rStart []int
	hItem          []int32
	hR             []float32
	byN            []int32
}

// candidateScores are one grid point's validation RMSEs: the user+item bias's, and
// the history-aware bias's for each prior of PriorGrid.
type candidateScores struct {
	uib float64
	hab []float64
}

func newBiasSearch(ix *ratingIndex, train, val []ratings.Rating) *biasSearch {
	bs := &biasSearch{ix: ix, val: val, up: make([]int32, len(val)), ip: make([]int32, len(val)), n: make([]int32, len(val))}
	slot := map[int32]int32{} // validation user → its slot, in order of first appearance
	rowSlot := make([]int32, len(val))
	for j, r := range val {
		s, ok := slot[r.User]
		if !ok {
			s = int32(len(slot))
			slot[r.User] = s
		}
		rowSlot[j] = s
		bs.up[j], bs.ip[j] = posOr(ix.userPos, r.User), posOr(ix.itemPos, r.Item)
	}
	// Each validation user's interactions, train's then validation's in row order,
	// sorted stably by (time, item) as History sorts them.
	nu := len(slot)
	bs.hStart = make([]int, nu+1)
	for _, set := range [][]ratings.Rating{train, val} {
		for _, r := range set {
			if s, ok := slot[r.User]; ok {
				bs.hStart[s+1]++
			}
		}
	}
	for s := range nu {
		bs.hStart[s+1] += bs.hStart[s]
	}
	hist := make([]Interaction, bs.hStart[nu])
	next := slices.Clone(bs.hStart[:nu])
	for _, set := range [][]ratings.Rating{train, val} {
		for _, r := range set {
			if s, ok := slot[r.User]; ok {
				hist[next[s]] = Interaction{Item: r.Item, Rating: r.Rating, Time: r.Time}
				next[s]++
			}
		}
	}
	for s := range nu {
		h := hist[bs.hStart[s]:bs.hStart[s+1]]
		sort.SliceStable(h, func(a, b int) bool {
			if h[a].Time != h[b].Time {
				return h[a].Time < h[b].Time
			}
			return h[a].Item < h[b].Item
		})
	}
	for j, r := range val {
		h := hist[bs.hStart[rowSlot[j]]:bs.hStart[rowSlot[j]+1]]
		bs.n[j] = int32(sort.Search(len(h), func(i int) bool { return h[i].Time >= r.Time }))
	}
	bs.hItem, bs.hR = make([]int32, len(hist)), make([]float32, len(hist))
	for k, h := range hist {
		bs.hItem[k], bs.hR[k] = posOr(ix.itemPos, h.Item), h.Rating
	}
	// Validation rows grouped by user, by n within a user.
	bs.rStart = make([]int, nu+1)
	for _, s := range rowSlot {
		bs.rStart[s+1]++
	}
	for s := range nu {
		bs.rStart[s+1] += bs.rStart[s]
	}
	bs.byN = make([]int32, len(val))
	rnext := slices.Clone(bs.rStart[:nu])
	for j, s := range rowSlot {
		bs.byN[rnext[s]] = int32(j)
		rnext[s]++
	}
	for s := range nu {
		rows := bs.byN[bs.rStart[s]:bs.rStart[s+1]]
		slices.SortStableFunc(rows, func(a, b int32) int { return int(bs.n[a] - bs.n[b]) })
	}
	return bs
}

func posOr(pos posIndex, id int32) int32 {
	if p, ok := pos.get(id); ok {
		return p
	}
	return -1
}

// run scores every grid point, in the grid's order (item λ, then user λ), on all cores.
func (bs *biasSearch) run(ctx context.Context) ([]candidateScores, error) {
	type point struct{ il, ul float64 }
	var points []point
	for _, il := range BiasLambdaGrid {
		for _, ul := range BiasLambdaGrid {
			points = append(points, point{il, ul})
		}
	}
	out := make([]candidateScores, len(points))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), len(points))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bu, bi := make([]float64, len(bs.ix.users)), make([]float64, len(bs.ix.items))
			psn := make([]float64, len(bs.val))
			for {
				c := int(next.Add(1)) - 1
				if c >= len(points) || ctx.Err() != nil {
					return
				}
				bs.ix.fitDense(bu, bi, points[c].il, points[c].ul, DefaultBiasRounds)
				out[c] = bs.score(bu, bi, psn)
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// score is a candidate's validation RMSEs from its dense biases: the arithmetic of
// UserItemBias.Predict and RowScores, and of HistoryAwareBias.Predict for every prior
// (residualPrefix's sums: ps[j+1] = ps[j] + r − μ − b_i). psn is scratch of len(val).
func (bs *biasSearch) score(bu, bi, psn []float64) candidateScores {
	mean := bs.ix.mean
	at := func(b []float64, p int32) float64 {
		if p < 0 {
			return 0
		}
		return b[p]
	}
	// Each row's residual sum over the interactions before it.
	for s := range len(bs.hStart) - 1 {
		h := bs.hStart[s]
		ps, k := 0.0, 0
		for _, j := range bs.byN[bs.rStart[s]:bs.rStart[s+1]] {
			for ; k < int(bs.n[j]); k++ {
				ps = ps + float64(bs.hR[h+k]) - mean - at(bi, bs.hItem[h+k])
			}
			psn[j] = ps
		}
	}
	out := candidateScores{hab: make([]float64, len(PriorGrid))}
	var se float64
	for j, r := range bs.val {
		item := at(bi, bs.ip[j])
		d := float64(clampRating(mean+at(bu, bs.up[j])+item)) - float64(r.Rating)
		se += d * d
		n := bs.n[j]
		for k, prior := range PriorGrid {
			b := 0.0
			if n > 0 {
				b = psn[j] / (prior + float64(n))
			}
			d := float64(clampRating(mean+b+item)) - float64(r.Rating)
			out.hab[k] += d * d
		}
	}
	out.uib = math.Sqrt(se / float64(len(bs.val)))
	for k := range out.hab {
		out.hab[k] = math.Sqrt(out.hab[k] / float64(len(bs.val)))
	}
	return out
}
