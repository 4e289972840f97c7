package scoring

import (
	"slices"

	"github.com/recpipe/recpipe/internal/ratings"
)

// ratingIndex holds train with dense user and item positions, its rows grouped twice:
// by user and by item, each group's rows in train order. A half-round of alternating
// least squares then sums each entity's residuals in one sequential run, in the order
// (and so to the bits) of a pass over train in row order, and the grid's many fits
// share one pass of map lookups.
type ratingIndex struct {
	mean         float64
	users, items []int32  // dense position → id
	userPos      posIndex // id → dense position
	itemPos      posIndex
	byUser       groups // rows grouped by user; the other side is the item
	byItem       groups // rows grouped by item; the other side is the user
}

// groups are train's rows grouped by one side's position: group p is rows
// start[p]..start[p+1], each with the other side's position and its rating.
type groups struct {
	start []int
	other []int32
	r     []float32
}

func indexRatings(train []ratings.Rating) *ratingIndex {
	var maxU, maxI, minID int32
	for _, t := range train {
		maxU, maxI, minID = max(maxU, t.User), max(maxI, t.Item), min(minID, t.User, t.Item)
	}
	ix := &ratingIndex{userPos: newPosIndex(minID, maxU, len(train)), itemPos: newPosIndex(minID, maxI, len(train))}
	u, i := make([]int32, len(train)), make([]int32, len(train))
	var s float64
	for k, t := range train {
		p, ok := ix.userPos.get(t.User)
		if !ok {
			p = int32(len(ix.users))
			ix.userPos.set(t.User, p)
			ix.users = append(ix.users, t.User)
		}
		q, ok := ix.itemPos.get(t.Item)
		if !ok {
			q = int32(len(ix.items))
			ix.itemPos.set(t.Item, q)
			ix.items = append(ix.items, t.Item)
		}
		u[k], i[k] = p, q
		s += float64(t.Rating)
	}
	ix.mean = s / float64(len(train))
	// The two groupings are independent: the item side's on a second core.
	done := make(chan struct{})
	go func() {
		defer close(done)
		ix.byItem = groupRows(train, i, u, len(ix.items))
	}()
	ix.byUser = groupRows(train, u, i, len(ix.users))
	<-done
	return ix
}

// posIndex maps ids to dense positions: a table indexed by id when the ids are
// non-negative and not much larger than the rows (MovieLens ids are), a map otherwise.
// Either gives the same positions.
type posIndex struct {
	table []int32 // id → position+1; 0: absent
	m     map[int32]int32
}

// newPosIndex is an empty posIndex for ids in [minID, maxID] over n rows.
func newPosIndex(minID, maxID int32, n int) posIndex {
	if minID >= 0 && int64(maxID) < 4*int64(n)+1<<16 {
		return posIndex{table: make([]int32, int64(maxID)+1)}
	}
	return posIndex{m: map[int32]int32{}}
}

func (x *posIndex) get(id int32) (int32, bool) {
	if x.table != nil {
		if id < 0 || int(id) >= len(x.table) || x.table[id] == 0 {
			return 0, false
		}
		return x.table[id] - 1, true
	}
	p, ok := x.m[id]
	return p, ok
}

func (x *posIndex) set(id, p int32) {
	if x.table != nil {
		x.table[id] = p + 1
		return
	}
	x.m[id] = p
}

// groupRows groups train's rows by pos (n positions), keeping train order within a
// group (a counting sort); other is the other side's position of each row.
func groupRows(train []ratings.Rating, pos, other []int32, n int) groups {
	g := groups{start: make([]int, n+1), other: make([]int32, len(train)), r: make([]float32, len(train))}
	for _, p := range pos {
		g.start[p+1]++
	}
	for p := range n {
		g.start[p+1] += g.start[p]
	}
	next := slices.Clone(g.start[:n])
	for k, p := range pos {
		j := next[p]
		next[p]++
		g.other[j], g.r[j] = other[k], train[k].Rating
	}
	return g
}

// step is one half-round of alternating least squares: the biases b of g's entities
// given the other side's biases ob, with penalty lambda. An entity's residuals are
// summed in train order, the sums of a pass over train accumulating per entity.
func (ix *ratingIndex) step(b []float64, g *groups, ob []float64, lambda float64) {
	for p := range b {
		lo, hi := g.start[p], g.start[p+1]
		r := g.r[lo:hi]
		sum := 0.0
		for j, o := range g.other[lo:hi] {
			sum += float64(r[j]) - ix.mean - ob[o]
		}
		b[p] = sum / (lambda + float64(hi-lo))
	}
}

// fitDense fits the biases by rounds of alternating least squares (items given users,
// then users given items) into bu and bi, by dense position.
func (ix *ratingIndex) fitDense(bu, bi []float64, itemLambda, userLambda float64, rounds int) {
	clear(bu)
	clear(bi)
	for range rounds {
		ix.step(bi, &ix.byItem, bu, itemLambda) // items given users
		ix.step(bu, &ix.byUser, bi, userLambda) // users given items
	}
}

// model is the UserItemBias of the dense biases bu and bi.
func (ix *ratingIndex) model(bu, bi []float64, itemLambda, userLambda float64) *UserItemBias {
	m := &UserItemBias{Mean: ix.mean, ItemLambda: itemLambda, UserLambda: userLambda,
		User: make(map[int32]float64, len(bu)), Item: make(map[int32]float64, len(bi))}
	for p, id := range ix.users {
		m.User[id] = bu[p]
	}
	for q, id := range ix.items {
		m.Item[id] = bi[q]
	}
	return m
}

// fit is FitUserItemBias on the indexed rows.
func (ix *ratingIndex) fit(itemLambda, userLambda float64, rounds int) *UserItemBias {
	bu, bi := make([]float64, len(ix.users)), make([]float64, len(ix.items))
	ix.fitDense(bu, bi, itemLambda, userLambda, rounds)
	return ix.model(bu, bi, itemLambda, userLambda)
}
