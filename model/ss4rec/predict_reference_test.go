package ss4rec

// predictReference is Predict as it was before the inference engine of
// predict_engine.go (batched window passes through the training forward, steps from
// cached layer states): the reference the new Predict must equal bit for bit.

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"

	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/kernels"
	"github.com/recpipe/recpipe/model/scoring"
)

// refQuery is one row to score, as seen from its user's history.
type refQuery struct {
	idx  int   // index in rows
	p    int   // state position: last history index strictly before the row's time
	t    int64 // the row's time
	item int32 // table row of the target item
}

// refWindow is positions [s, end) of one user's history, run as one sequence; every
// query of the window has s ≤ p < end, or p = end when its step must be recomputed.
type refWindow struct {
	seq    []scoring.Interaction
	s, end int
	qs     []refQuery
}

// refChunk is how many windows one batched forward pass takes.
const refChunk = 64

// predictReference (the previous Predict) scores rows under the history rule: a row at time t sees only
// hist.Before(user, t), at most the training window of positions (windowStart).
//
// Cost: the rows of a user whose state positions fall in the same window share one
// pass over that window, run as batched forward passes (the training code path, in
// evaluation mode). A row at time t whose next interaction in hist is at t (the usual
// case: scored rows are in the history) reads its state straight from the pass, since
// the gap at its position is then the gap to t. Any other row takes one recurrent
// step at its position with its own gap, from the layer states the pass cached. A row without history
// falls back to the global mean and the item bias; an item unseen in training scores
// with a zero embedding and bias. Predictions are clipped to the 0.5–5 scale.
func (m *Model) predictReference(ctx context.Context, hist *scoring.History, rows []ratings.Rating) ([]float32, error) {
	if hist == nil {
		return nil, fmt.Errorf("ss4rec predict: nil history")
	}
	n := m.net
	out := make([]float32, len(rows))
	wins := m.refWindowsFor(hist, rows, out)
	aNeg := make([][]float32, len(n.blocks))
	if !m.cfg.S5Only {
		for l, b := range n.blocks {
			aNeg[l] = kernels.NegExp(b.aLog.Value)
		}
	}
	// Chunks of windows are independent: each worker runs whole chunks (batched pass
	// and steps) with its own workspace and a single-threaded backend, so the dense
	// products, norms and scans of different chunks run in parallel.
	be := kernels.Backend(kernels.CPU{})
	if m.Backend != nil {
		be = m.Backend
	}
	if _, ok := be.(kernels.CPU); ok {
		be = kernels.CPU{Workers: 1}
	}
	nChunks := (len(wins) + refChunk - 1) / refChunk
	workers := max(1, min(runtime.GOMAXPROCS(0), nChunks))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for k := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, sc, u := n.newState(), n.newScratch(), make([]float32, m.cfg.Dim)
			ps := newPass(n, be)
			var b batch
			var bw []window
			var inBatch []int // window index in chunk → row in the batch (−1: empty prefix)
			for c := k; c < nChunks; c += workers {
				if err := ctx.Err(); err != nil {
					errs[k] = fmt.Errorf("ss4rec predict: %w", err)
					return
				}
				chunk := wins[c*refChunk : min((c+1)*refChunk, len(wins))]
				bw, inBatch = bw[:0], inBatch[:0]
				T := 0
				for _, w := range chunk {
					if w.end == w.s {
						inBatch = append(inBatch, -1)
						continue
					}
					inBatch = append(inBatch, len(bw))
					bw = append(bw, m.refPrefixWindow(w))
					T = max(T, w.end-w.s)
				}
				if len(bw) > 0 {
					makeBatch(bw, T, &b)
					ps.forward(&b, false, nil)
				}
				for i, w := range chunk {
					m.refScoreWindow(ps, w, inBatch[i], T, aNeg, st, sc, u, out)
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// refWindowsFor groups rows into per-user prefix windows and writes the fallback of
// rows without history into out.
func (m *Model) refWindowsFor(hist *scoring.History, rows []ratings.Rating, out []float32) []refWindow {
	n, W := m.net, m.cfg.MaxSeqLen
	byUser := map[int32][]int{}
	var users []int32
	for i, r := range rows {
		if _, ok := byUser[r.User]; !ok {
			users = append(users, r.User)
		}
		byUser[r.User] = append(byUser[r.User], i)
	}
	var wins []refWindow
	for _, u := range users {
		seq := hist.All(u)
		var qs []refQuery
		for _, i := range byUser[u] {
			r := rows[i]
			it := m.vocab.row(r.Item)
			p := len(hist.Before(u, r.Time)) - 1
			if p < 0 {
				out[i] = clip(n.mu + n.itemBias.Value[it])
				continue
			}
			qs = append(qs, refQuery{idx: i, p: p, t: r.Time, item: it})
		}
		sort.Slice(qs, func(a, b int) bool {
			if qs[a].p != qs[b].p {
				return qs[a].p < qs[b].p
			}
			return qs[a].t < qs[b].t
		})
		for lo := 0; lo < len(qs); {
			s := windowStart(qs[lo].p, W)
			hi := lo
			for hi < len(qs) && windowStart(qs[hi].p, W) == s {
				hi++
			}
			end := s
			for _, q := range qs[lo:hi] {
				end = max(end, q.p) // positions before p are always needed
				if refDirect(seq, q) {
					end = max(end, q.p+1)
				}
			}
			wins = append(wins, refWindow{seq: seq, s: s, end: end, qs: qs[lo:hi]})
			lo = hi
		}
	}
	return wins
}

// direct reports whether q's state is the pass's state at q.p: the interaction after
// q.p in the history is at q's time, so the canonical gap is the gap to q.
func refDirect(seq []scoring.Interaction, q refQuery) bool {
	return q.p+1 < len(seq) && seq[q.p+1].Time == q.t
}

// refPrefixWindow is the model input of positions [s, end) of w (each with its gap to
// the next interaction).
func (m *Model) refPrefixWindow(w refWindow) window {
	var out window
	for i := w.s; i < w.end; i++ {
		out.items = append(out.items, m.vocab.row(w.seq[i].Item))
		out.rates = append(out.rates, rateIndex(w.seq[i].Rating))
		out.tau = append(out.tau, m.cfg.gap(w.seq[i+1].Time-w.seq[i].Time))
	}
	return out
}

// refScoreWindow scores the queries of w: for each distinct (position, time), the
// states after position p−1 are read from the prefix pass and one step at p with
// the gap to the row's time gives the state the head reads.
func (m *Model) refScoreWindow(ps *pass, w refWindow, row, T int, aNeg [][]float32, st *netState, sc *stepScratch, u, out []float32) {
	n := m.net
	var o []float32
	lastP, lastT := -1, int64(-1)
	H := m.cfg.Dim
	for _, q := range w.qs {
		if refDirect(w.seq, q) {
			r := row*T + q.p - w.s
			out[q.idx] = clip(n.head(ps.last[r*H:(r+1)*H], u, q.item))
			continue
		}
		if q.p != lastP || q.t != lastT {
			ps.refStateAt(st, row, T, q.p-w.s-1)
			it := w.seq[q.p]
			o = n.step(st, sc, aNeg, m.vocab.row(it.Item), rateIndex(it.Rating), m.cfg.gap(q.t-it.Time))
			lastP, lastT = q.p, q.t
		}
		out[q.idx] = clip(n.head(o, u, q.item))
	}
}

// refStateAt loads into st the layer states after position pos of batch window row
// (pos < 0 or row < 0: the zero state at a window start).
func (ps *pass) refStateAt(st *netState, row, T, pos int) {
	st.reset()
	if row < 0 || pos < 0 {
		return
	}
	cfg := ps.n.cfg
	P, E, N := cfg.S5States, cfg.e(), cfg.MambaN
	r := row*T + pos
	for l := range ps.n.blocks {
		c := &ps.blocks[l]
		if !cfg.MambaOnly {
			for i, v := range c.s5xs[r*2*P : (r+1)*2*P] {
				st.s5[l][i] = float64(v)
			}
		}
		if !cfg.S5Only {
			for k := range convK - 1 {
				src := pos - (convK - 2) + k
				if src >= 0 {
					copy(st.conv[l][k*E:(k+1)*E], c.xi[(row*T+src)*E:(row*T+src+1)*E])
				}
			}
			copy(st.h[l], c.hs[r*E*N:(r+1)*E*N])
		}
	}
}
