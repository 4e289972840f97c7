package etl

import (
	"fmt"
	"math"
	"slices"

	"github.com/recpipe/recpipe/internal/ratings"
)

// Defaults of the split (docs/design.md §Data protocol).
const (
	DefaultTestFraction = 0.2
	DefaultValFraction  = 0.1
)

// Text of SplitRule.Order and SplitRule.Rounding, as recorded in every manifest.
const (
	splitOrderText    = "all ratings sorted by timestamp, then userId, then movieId"
	splitRoundingText = "test = the last ceil(test_fraction*N) rows of that order (fractions taken in parts per million); " +
		"before the cutoff, each user's last floor(val_fraction*n_u + 1/2) rows (at most n_u-1, so every user " +
		"keeps a train row) are validation, the rest train"
)

// splitPlan is the split of sorted rows: rows[cut:] are test; of rows[:cut], those
// whose bit is set in val are validation and the others train.
type splitPlan struct {
	rows   []ratings.Rating
	cut    int
	val    []uint64
	nVal   int
	stats  [3]SplitStats // train, val, test (no key or checksum yet)
	cold   ColdStart
	ties   int
	rule   SplitRule
	maxIDs [2]int32 // max user, max item
}

func (p *splitPlan) isVal(i int) bool { return p.val[i>>6]&(1<<(i&63)) != 0 }

// ppm turns a fraction into integer parts per million, so that the split rounds exactly.
func ppm(f float64) int64 { return int64(math.Round(f * 1e6)) }

// testRows is ceil(testFraction·n).
func testRows(n int, testFraction float64) int {
	return int((int64(n)*ppm(testFraction) + 1e6 - 1) / 1e6)
}

// valRows is floor(valFraction·n + 1/2), at most n-1.
func valRows(n int32, valFraction float64) int32 {
	v := int32((2*int64(n)*ppm(valFraction) + 1e6) / 2e6)
	return max(0, min(v, n-1))
}

// checkFractions rejects fractions outside (0,1) for test and [0,1) for validation.
func checkFractions(testFraction, valFraction float64) error {
	if !(testFraction > 0 && testFraction < 1) {
		return fmt.Errorf("%w: test fraction %v must be in (0, 1)", ErrBadOptions, testFraction)
	}
	if !(valFraction >= 0 && valFraction < 1) {
		return fmt.Errorf("%w: validation fraction %v must be in [0, 1)", ErrBadOptions, valFraction)
	}
	return nil
}

// planSplit sorts rows in place and splits them (docs/design.md §Data protocol).
func planSplit(rows []ratings.Rating, testFraction, valFraction float64) (*splitPlan, error) {
	if err := checkFractions(testFraction, valFraction); err != nil {
		return nil, err
	}
	n := len(rows)
	nTest := testRows(n, testFraction)
	if nTest < 1 || nTest >= n {
		return nil, fmt.Errorf("%w: %d ratings leave %d test rows with test fraction %v", ErrBadOptions, n, nTest, testFraction)
	}
	sortRows(rows)
	p := &splitPlan{rows: rows, cut: n - nTest, val: make([]uint64, (n-nTest+63)/64),
		rule: SplitRule{TestFraction: testFraction, ValFraction: valFraction, Order: splitOrderText, Rounding: splitRoundingText}}
	for _, r := range rows {
		p.maxIDs[0], p.maxIDs[1] = max(p.maxIDs[0], r.User), max(p.maxIDs[1], r.Item)
	}
	pre := rows[:p.cut]
	before := newIDCounter(p.maxIDs[0])
	for _, r := range pre {
		before.add(r.User)
	}
	seen := newIDCounter(p.maxIDs[0])
	var acc [3]splitAcc
	for k := range acc {
		acc[k] = newSplitAcc(p.maxIDs)
	}
	for i, r := range pre {
		nu := before.get(r.User)
		if seen.add(r.User) > nu-valRows(nu, valFraction) {
			p.val[i>>6] |= 1 << (i & 63)
			p.nVal++
			acc[1].add(r)
		} else {
			acc[0].add(r)
		}
	}
	cutoff := rows[p.cut].Time
	for i := p.cut - 1; i >= 0 && rows[i].Time == cutoff; i-- {
		p.ties++
	}
	testUsers, testItems := newIDCounter(p.maxIDs[0]), newIDCounter(p.maxIDs[1])
	for _, r := range rows[p.cut:] {
		acc[2].add(r)
		userNew, itemNew := testUsers.add(r.User) == 1, testItems.add(r.Item) == 1
		if acc[0].users.get(r.User) == 0 {
			p.cold.TestRowsUserUnseen++
			if userNew {
				p.cold.TestUsersUnseen++
			}
		}
		if acc[0].items.get(r.Item) == 0 {
			p.cold.TestRowsItemUnseen++
			if itemNew {
				p.cold.TestItemsUnseen++
			}
		}
		if before.get(r.User) == 0 {
			p.cold.TestRowsUserUnseenBeforeCutoff++
			if userNew {
				p.cold.TestUsersUnseenBeforeCutoff++
			}
		}
	}
	for k := range acc {
		p.stats[k] = acc[k].stats()
	}
	return p, nil
}

// splitAcc accumulates one split's counts.
type splitAcc struct {
	s            SplitStats
	users, items *idCounter
	nUsers, nItm int
}

func newSplitAcc(maxIDs [2]int32) splitAcc {
	return splitAcc{users: newIDCounter(maxIDs[0]), items: newIDCounter(maxIDs[1])}
}

func (a *splitAcc) add(r ratings.Rating) {
	if a.s.Rows == 0 || r.Time < a.s.MinTime {
		a.s.MinTime = r.Time
	}
	if a.s.Rows == 0 || r.Time > a.s.MaxTime {
		a.s.MaxTime = r.Time
	}
	a.s.Rows++
	if a.users.add(r.User) == 1 {
		a.nUsers++
	}
	if a.items.add(r.Item) == 1 {
		a.nItm++
	}
}

func (a *splitAcc) stats() SplitStats {
	s := a.s
	s.Users, s.Items = a.nUsers, a.nItm
	return s
}

// idCounter counts occurrences of positive int32 ids: a slice when the ids are dense
// enough, a map otherwise.
type idCounter struct {
	dense  []int32
	sparse map[int32]int32
}

func newIDCounter(maxID int32) *idCounter {
	if maxID <= 1<<25 {
		return &idCounter{dense: make([]int32, int(maxID)+1)}
	}
	return &idCounter{sparse: map[int32]int32{}}
}

// add counts id once more and returns its new count.
func (c *idCounter) add(id int32) int32 {
	if c.dense != nil {
		c.dense[id]++
		return c.dense[id]
	}
	c.sparse[id]++
	return c.sparse[id]
}

func (c *idCounter) get(id int32) int32 {
	if c.dense != nil {
		return c.dense[id]
	}
	return c.sparse[id]
}

// SplitRows splits rows in memory by the rule of a prepared dataset (the one prepare
// applies: sorted by time, user, item; the last testFraction are test; before that,
// each user's last valFraction are validation). rows is not modified.
func SplitRows(rows []ratings.Rating, testFraction, valFraction float64) (train, val, test []ratings.Rating, err error) {
	rows = slices.Clone(rows)
	p, err := planSplit(rows, testFraction, valFraction)
	if err != nil {
		return nil, nil, nil, err
	}
	for i, r := range p.rows[:p.cut] {
		if p.val[i>>6]&(1<<(i&63)) != 0 {
			val = append(val, r)
		} else {
			train = append(train, r)
		}
	}
	return train, val, p.rows[p.cut:], nil
}
