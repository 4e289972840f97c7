package releasetest

import (
	"math"
	"math/rand/v2"

	"github.com/recpipe/recpipe/internal/ratings"
)

// Synthetic returns a deterministic dataset with a MovieLens-like shape: Zipf user
// activity and item popularity, ratings on the half-step scale with a per-item bias,
// and time-ordered rows (train before val before test, some test users new). It is
// for tests and benchmarks only.
func Synthetic(trainRows, valRows, testRows int, seed uint64) Data {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	total := trainRows + valRows + testRows
	users := max(20, total/120)
	items := max(30, total/350)
	uz := rand.NewZipf(rng, 1.1, 4, uint64(users-1))
	iz := rand.NewZipf(rng, 1.05, 8, uint64(items-1))
	t := int64(1_000_000_000)
	gen := func(n, userShift int) []ratings.Rating {
		out := make([]ratings.Rating, n)
		for i := range out {
			t += int64(rng.IntN(3)) // ties in the same second happen
			item := int32(iz.Uint64()) + 1
			bias := float64(item%7)/7 - 0.4
			v := math.Round(2*(3.5+bias+rng.NormFloat64()*0.9)) / 2
			v = min(5, max(0.5, v))
			out[i] = ratings.Rating{User: int32((int(uz.Uint64())+userShift)%users) + 1, Item: item, Rating: float32(v), Time: t}
		}
		return out
	}
	d := Data{Train: gen(trainRows, 0), Val: gen(valRows, 0), Test: gen(testRows, users/10)}
	d.Items = make([]int32, items)
	for i := range d.Items {
		d.Items[i] = int32(i) + 1
	}
	// the same (user, item, second) twice is not a rating MovieLens can hold
	for _, s := range [][]ratings.Rating{d.Train, d.Val, d.Test} {
		dedupe(s, int32(items))
	}
	return d
}

// dedupe gives a repeated (user, item, second) the next item id.
func dedupe(rows []ratings.Rating, items int32) {
	type key struct {
		u, i int32
		t    int64
	}
	seen := make(map[key]bool, len(rows))
	for i := range rows {
		k := key{rows[i].User, rows[i].Item, rows[i].Time}
		for seen[k] {
			rows[i].Item = rows[i].Item%items + 1
			k = key{rows[i].User, rows[i].Item, rows[i].Time}
		}
		seen[k] = true
	}
}
