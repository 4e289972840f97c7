package ss4rec

import (
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/recpipe/recpipe/model/scoring"
)

// carry is the layer states after the last position of a user's window pass, kept
// so that a later call (the next day, with a longer history) scoring rows in the
// same window resumes the pass there instead of recomputing its first positions.
// Resuming runs the same operations on the same states, so it changes no bit.
type carry struct {
	user int32
	s    int                   // window start
	seq  []scoring.Interaction // positions s … s+n of the history it saw (n+1: the last gap's next interaction)
	s5   [][]float64           // per block: S5 state [2P] (real, imaginary)
	conv [][]float32           // per block: the last K−1 convolution inputs [(K−1)·E]
	h    [][]float32           // per block: selective-scan state [E·N]
}

// n is the number of positions the carried pass covered.
func (c *carry) n() int { return len(c.seq) - 1 }

// maxCarries bounds a model's carried states (one per user, about 7 KB each at the
// default size); when full the cache is emptied and refills.
const maxCarries = 4096

// carryCache holds one model's carried states. It is valid for one set of parameter
// values: fp fingerprints them, and a Predict that sees other values (training
// between two calls) empties the cache first.
type carryCache struct {
	mu   sync.Mutex
	fp   uint64
	byU  map[int32]*carry
	hits atomic.Int64 // windows resumed (for tests)
}

var carryCaches sync.Map // weak.Pointer[Model] → *carryCache

// carriesOf returns m's cache, emptied if m's parameters changed since its last use.
// The cache lives as long as m does.
func carriesOf(m *Model) *carryCache {
	k := weak.Make(m)
	v, ok := carryCaches.Load(k)
	if !ok {
		var loaded bool
		v, loaded = carryCaches.LoadOrStore(k, &carryCache{byU: map[int32]*carry{}})
		if !loaded {
			runtime.AddCleanup(m, func(k weak.Pointer[Model]) { carryCaches.Delete(k) }, k)
		}
	}
	cc := v.(*carryCache)
	fp := paramPrint(m)
	cc.mu.Lock()
	if cc.fp != fp {
		cc.fp = fp
		clear(cc.byU)
	}
	cc.mu.Unlock()
	return cc
}

// paramPrint fingerprints every parameter value (FNV-1a over the float bits).
func paramPrint(m *Model) uint64 {
	h := uint64(14695981039346656037)
	for _, p := range m.Params() {
		for _, v := range p.Value {
			h ^= uint64(math.Float32bits(v))
			h *= 1099511628211
		}
	}
	return h
}

// lookup returns the user's carried state for window pw if the pass can resume
// from it: same window start, the same history at the carried positions, at least
// K−1 of them (the convolution's reach), and no query reading a row before them
// (minRow: the smallest window row a query reads).
func (cc *carryCache) lookup(pw predWindow, minRow int) *carry {
	cc.mu.Lock()
	c := cc.byU[pw.user]
	cc.mu.Unlock()
	if c == nil || c.s != pw.s {
		return nil
	}
	n := c.n()
	if n < convK-1 || n > minRow || n >= pw.end-pw.s || pw.s+n >= len(pw.seq) {
		return nil
	}
	if !slices.Equal(c.seq, pw.seq[pw.s:pw.s+n+1]) {
		return nil
	}
	cc.hits.Add(1)
	return c
}

// store keeps c as its user's carried state (a call stores one per user: that of
// the user's last window), replacing the previous one.
func (cc *carryCache) store(c *carry) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if _, ok := cc.byU[c.user]; !ok && len(cc.byU) >= maxCarries {
		clear(cc.byU)
	}
	cc.byU[c.user] = c
}

// newCarry allocates a carry for the window pw covering positions [pw.s, pw.end).
func (n *net) newCarry(pw predWindow) *carry {
	cfg := n.cfg
	c := &carry{user: pw.user, s: pw.s, seq: slices.Clone(pw.seq[pw.s : pw.end+1])}
	for range n.blocks {
		c.s5 = append(c.s5, make([]float64, 2*cfg.S5States))
		c.conv = append(c.conv, make([]float32, (convK-1)*cfg.e()))
		c.h = append(c.h, make([]float32, cfg.e()*cfg.MambaN))
	}
	return c
}
