package abtest

import (
	"reflect"
	"testing"

	"github.com/recpipe/recpipe/internal/ratings"
)

// TestIndexTrain: the sets of train's users and items and of the returning users,
// with small ids (a table) and ids far above the row count (a map) alike.
func TestIndexTrain(t *testing.T) {
	for _, tc := range []struct {
		name       string
		train, val []ratings.Rating
	}{
		{"small ids", []ratings.Rating{{User: 3, Item: 7}, {User: 1, Item: 7}, {User: 3, Item: 2}}, []ratings.Rating{{User: 5, Item: 7}, {User: 1, Item: 9}}},
		{"large ids", []ratings.Rating{{User: 1 << 30, Item: 7}, {User: 1, Item: 1 << 29}}, []ratings.Rating{{User: 1 << 28, Item: 1}}},
		{"empty", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := TrainIndex{Users: map[int32]bool{}, Items: map[int32]bool{}, Returning: map[int32]bool{}}
			for _, r := range tc.train {
				want.Users[r.User], want.Items[r.Item], want.Returning[r.User] = true, true, true
			}
			for _, r := range tc.val {
				want.Returning[r.User] = true
			}
			if got := IndexTrain(tc.train, tc.val); !reflect.DeepEqual(got, want) {
				t.Fatalf("IndexTrain = %v, want %v", got, want)
			}
		})
	}
}
