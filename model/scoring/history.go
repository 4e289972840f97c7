package scoring

import (
	"cmp"
	"context"
	"slices"
	"sort"

	"github.com/recpipe/recpipe/internal/ratings"
)

// Predictor scores user–item–time rows. It is the one API through which ab-eval and
// the training summaries score every model and baseline.
//
// Under the history rule (docs/design.md §Data protocol) a prediction for a row at time t may use the
// user's interactions strictly before t and nothing else: hist holds everything known
// (train, validation, released rows, even the rows being scored) and the predictor must
// look only at hist.Before(user, t). rows need not be sorted. The returned slice has one
// prediction per row, in the rows' order.
type Predictor interface {
	Name() string
	Predict(ctx context.Context, hist *History, rows []ratings.Rating) ([]float32, error)
}

// Interaction is one past event of a user, as a predictor sees it.
type Interaction struct {
	Item   int32
	Rating float32
	Time   int64
}

// History holds each user's interactions sorted by time (ties by item id).
type History struct {
	byUser map[int32][]Interaction
}

// NewHistory indexes the given row sets by user. Each user's list is allocated at its
// final size (its rows counted first, by dense user position: see posIndex), out of
// one array for all users, in the users' order of first appearance.
func NewHistory(sets ...[]ratings.Rating) *History {
	var maxID, minID int32
	total := 0
	for _, set := range sets {
		for _, r := range set {
			maxID, minID = max(maxID, r.User), min(minID, r.User)
		}
		total += len(set)
	}
	pos := newPosIndex(minID, maxID, total)
	var users []int32
	var start []int // start[p+1]: rows of user position p, then its end in all
	for _, set := range sets {
		for _, r := range set {
			p, ok := pos.get(r.User)
			if !ok {
				p = int32(len(users))
				pos.set(r.User, p)
				users = append(users, r.User)
				start = append(start, 0)
			}
			start[p]++
		}
	}
	// Counts to offsets: start[p] is where user p's rows begin.
	start = append(start, 0)
	off := 0
	for p, c := range start {
		start[p], off = off, off+c
	}
	all := make([]Interaction, total)
	next := slices.Clone(start[:len(users)])
	for _, set := range sets {
		for _, r := range set {
			p, _ := pos.get(r.User)
			all[next[p]] = Interaction{Item: r.Item, Rating: r.Rating, Time: r.Time}
			next[p]++
		}
	}
	h := &History{byUser: make(map[int32][]Interaction, len(users))}
	for p, u := range users {
		// Capacity its length: a later Add to this user reallocates instead of writing
		// over the next.
		s := all[start[p]:start[p+1]:start[p+1]]
		sortInteractions(s)
		h.byUser[u] = s
	}
	return h
}

// Add inserts rows and keeps every touched user's list sorted.
func (h *History) Add(rows []ratings.Rating) {
	touched := map[int32]bool{}
	for _, r := range rows {
		h.byUser[r.User] = append(h.byUser[r.User], Interaction{Item: r.Item, Rating: r.Rating, Time: r.Time})
		touched[r.User] = true
	}
	for u := range touched {
		sortInteractions(h.byUser[u])
	}
}

// sortInteractions sorts s by time, then item, stably: equal interactions keep the
// order they were added in.
func sortInteractions(s []Interaction) {
	slices.SortStableFunc(s, func(a, b Interaction) int {
		if a.Time != b.Time {
			return cmp.Compare(a.Time, b.Time)
		}
		return cmp.Compare(a.Item, b.Item)
	})
}

// All returns every interaction of user, sorted by time. The caller must not modify it.
func (h *History) All(user int32) []Interaction { return h.byUser[user] }

// Before returns the user's interactions strictly before t (same-second rows excluded).
func (h *History) Before(user int32, t int64) []Interaction {
	s := h.byUser[user]
	n := sort.Search(len(s), func(i int) bool { return s[i].Time >= t })
	return s[:n]
}

// Users returns the number of users with any interaction.
func (h *History) Users() int { return len(h.byUser) }
