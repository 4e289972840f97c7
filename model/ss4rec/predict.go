package ss4rec

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/scoring"
)

// query is one row to score, as seen from its user's history.
type query struct {
	idx  int   // index in rows
	p    int   // state position: last history index strictly before the row's time
	t    int64 // the row's time
	item int32 // table row of the target item
}

// predWindow is positions [s, end) of one user's history, run as one sequence; every
// query of the window has s ≤ p < end, or p = end when its step must be recomputed.
type predWindow struct {
	user   int32
	seq    []scoring.Interaction
	s, end int
	qs     []query
	last   bool // the user's last window in this call: its states are carried
}

// predictChunk is how many windows a worker scores between checks of ctx.
const predictChunk = 64

// Predict scores rows under the history rule: a row at time t sees only
// hist.Before(user, t), at most the training window of positions (windowStart).
//
// Cost: the rows of a user whose state positions fall in the same window share one
// pass over that window (predict_window.go): the positions run through the blocks
// in order, with the operations of the training forward in evaluation mode and in
// the same order, so the predictions are those of that forward bit for bit
// (TestPredictEqualsReference), but only what a row reads is kept: the last block's
// output at the rows' positions, and layer states where a recurrent step starts.
// The window passes run on all cores, the wide products, the selective scan's exp
// and the S5 output four lanes at a time (SSE2 on amd64, lane by lane the scalar
// arithmetic), and the S5 coefficients of a gap are computed once per worker.
//
// A row at time t whose next interaction in hist is at t (the usual case: scored
// rows are in the history) reads its state straight from the pass, since the gap at
// its position is then the gap to t. Any other row takes one recurrent step at its
// position with its own gap, from the layer states the pass kept. A row without
// history falls back to the global mean and the item bias; an item unseen in
// training scores with a zero embedding and bias. Predictions are clipped to the
// 0.5–5 scale.
//
// A call computes at most one window (MaxSeqLen positions) before a row's position,
// never a user's whole history, and carries the layer states at the end of each
// user's last window to the next call (predict_carry.go): when that call scores
// rows further in the same window, as ab-eval's next day does, the pass resumes
// there. A carried state is used only while the history it saw and the parameters
// are unchanged, so predictions do not depend on earlier calls
// (TestPredictCarriesAcrossDays).
func (m *Model) Predict(ctx context.Context, hist *scoring.History, rows []ratings.Rating) ([]float32, error) {
	if hist == nil {
		return nil, fmt.Errorf("ss4rec predict: nil history")
	}
	out := make([]float32, len(rows))
	wins := m.windowsFor(hist, rows, out)
	e := newEngine(m)
	e.carries = carriesOf(m)
	// Windows are independent: each worker takes the next one, in order, and scores
	// it with its own workspace; every row is written by exactly one window.
	workers := max(1, min(runtime.GOMAXPROCS(0), len(wins)))
	var next atomic.Int64
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for k := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := e.newWorker()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(wins) {
					return
				}
				if i%predictChunk == 0 {
					if err := ctx.Err(); err != nil {
						errs[k] = fmt.Errorf("ss4rec predict: %w", err)
						return
					}
				}
				w.score(wins[i], out)
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

// windowsFor groups rows into per-user prefix windows and writes the fallback of
// rows without history into out.
func (m *Model) windowsFor(hist *scoring.History, rows []ratings.Rating, out []float32) []predWindow {
	n, W := m.net, m.cfg.MaxSeqLen
	byUser := map[int32][]int{}
	var users []int32
	for i, r := range rows {
		if _, ok := byUser[r.User]; !ok {
			users = append(users, r.User)
		}
		byUser[r.User] = append(byUser[r.User], i)
	}
	var wins []predWindow
	for _, u := range users {
		seq := hist.All(u)
		var qs []query
		for _, i := range byUser[u] {
			r := rows[i]
			it := m.vocab.row(r.Item)
			p := len(hist.Before(u, r.Time)) - 1
			if p < 0 {
				out[i] = clip(n.mu + n.itemBias.Value[it])
				continue
			}
			qs = append(qs, query{idx: i, p: p, t: r.Time, item: it})
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
				if direct(seq, q) {
					end = max(end, q.p+1)
				}
			}
			wins = append(wins, predWindow{user: u, seq: seq, s: s, end: end, qs: qs[lo:hi], last: hi == len(qs)})
			lo = hi
		}
	}
	return wins
}

// direct reports whether q's state is the pass's state at q.p: the interaction after
// q.p in the history is at q's time, so the canonical gap is the gap to q.
func direct(seq []scoring.Interaction, q query) bool {
	return q.p+1 < len(seq) && seq[q.p+1].Time == q.t
}

func (st *netState) reset() {
	for l := range st.s5 {
		clear(st.s5[l])
		clear(st.conv[l])
		clear(st.h[l])
	}
}

func clip(v float32) float32 { return min(max(v, 0.5), 5) }
