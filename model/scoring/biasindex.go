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
	users, items []int32         // dense position → id
	userPos      map[int32]int32 // id → dense position
	itemPos      map[int32]int32
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
	ix := &ratingIndex{userPos: map[int32]int32{}, itemPos: map[int32]int32{}}
	u, i := make([]int32, len(train)), make([]int32, len(train))
	var s float64
	for k, t := range train {
		p, ok := ix.userPos[t.User]
		if !ok {
			p = int32(len(ix.users))
			ix.userPos[t.User] = p
			ix.users = append(ix.users, t.User)
		}
		q, ok := ix.itemPos[t.Item]
		if !ok {
			q = int32(len(ix.items))
			ix.itemPos[t.Item] = q
			ix.items = append(ix.items, t.Item)
		}
		u[k], i[k] = p, q
		s += float64(t.Rating)
	}
	ix.mean = s / float64(len(train))
	ix.byUser = groupRows(train, u, i, len(ix.users))
	ix.byItem = groupRows(train, i, u, len(ix.items))
	return ix
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
