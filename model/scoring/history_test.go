package scoring

import (
	"reflect"
	"sort"
	"testing"

	"github.com/recpipe/recpipe/internal/ratings"
)

// refHistory is History as first written: appended row by row, each user's list then
// sorted with sort.SliceStable after every set.
func refHistory(sets ...[]ratings.Rating) map[int32][]Interaction {
	by := map[int32][]Interaction{}
	for _, set := range sets {
		for _, r := range set {
			by[r.User] = append(by[r.User], Interaction{Item: r.Item, Rating: r.Rating, Time: r.Time})
		}
		for _, s := range by {
			sort.SliceStable(s, func(i, j int) bool {
				if s[i].Time != s[j].Time {
					return s[i].Time < s[j].Time
				}
				return s[i].Item < s[j].Item
			})
		}
	}
	return by
}

// TestNewHistoryOrder: users' interactions in time, then item, then insertion order
// (same-second ratings of one item twice keep train before validation), as the
// first implementation had them, also after an Add, which must not write over
// another user's list.
func TestNewHistoryOrder(t *testing.T) {
	train, val := messyRatings(9)
	h := NewHistory(train, val)
	if want := refHistory(train, val); !reflect.DeepEqual(h.byUser, want) {
		t.Fatal("NewHistory differs from the reference")
	}
	extra, _ := messyRatings(10)
	h.Add(extra)
	if want := refHistory(train, val, extra); !reflect.DeepEqual(h.byUser, want) {
		t.Fatal("NewHistory then Add differs from the reference")
	}
}

// TestNewHistoryLargeIDs: ids far above the row count (posIndex's map) index alike.
func TestNewHistoryLargeIDs(t *testing.T) {
	train, val := messyRatings(11)
	for k := range train {
		if k%3 == 0 {
			train[k].User += 1 << 30
		}
	}
	if want := refHistory(train, val); !reflect.DeepEqual(NewHistory(train, val).byUser, want) {
		t.Fatal("NewHistory differs from the reference")
	}
}
