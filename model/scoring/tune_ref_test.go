package scoring

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/recpipe/recpipe/internal/ratings"
)

// refTunedBaselines is TunedBaselines as first written (one History, map lookups, one
// candidate at a time): the reference the faster search must equal bit for bit.
func refTunedBaselines(ctx context.Context, train, val []ratings.Rating) ([]Predictor, []Tuning) {
	gm, _ := FitGlobalMean(train)
	hist := NewHistory(train, val)
	ix := refIndexRatings(train)
	gmPred, _ := gm.Predict(ctx, hist, val)
	tunings := []Tuning{{Name: gm.Name(), Params: map[string]float64{}, Grid: map[string][]float64{}, Budget: 1,
		ValRMSE: RowScores(gmPred, val).RMSE}}
	lambdaGrid := map[string][]float64{"item_lambda": BiasLambdaGrid, "user_lambda": BiasLambdaGrid}
	bestUIB := Tuning{Name: "user-item-bias", Grid: lambdaGrid, ValRMSE: math.Inf(1)}
	bestHAB := Tuning{Name: "history-aware-bias", ValRMSE: math.Inf(1),
		Grid: map[string][]float64{"item_lambda": BiasLambdaGrid, "user_lambda": BiasLambdaGrid, "prior": PriorGrid}}
	var uib *UserItemBias
	var hab *HistoryAwareBias
	for _, il := range BiasLambdaGrid {
		for _, ul := range BiasLambdaGrid {
			m := ix.fit(il, ul, DefaultBiasRounds)
			bestUIB.Budget++
			p, _ := m.Predict(ctx, hist, val)
			if s := RowScores(p, val).RMSE; s < bestUIB.ValRMSE {
				bestUIB.ValRMSE, bestUIB.Params, uib = s, map[string]float64{"item_lambda": il, "user_lambda": ul}, m
			}
			for k, s := range refHistoryAwareRMSE(m, hist, val, PriorGrid) {
				bestHAB.Budget++
				if s < bestHAB.ValRMSE {
					bestHAB.ValRMSE = s
					bestHAB.Params = map[string]float64{"item_lambda": il, "user_lambda": ul, "prior": PriorGrid[k]}
					hab = &HistoryAwareBias{Base: m, Prior: PriorGrid[k]}
				}
			}
		}
	}
	return []Predictor{gm, uib, hab}, append(tunings, bestUIB, bestHAB)
}

func refHistoryAwareRMSE(base *UserItemBias, hist *History, rows []ratings.Rating, priors []float64) []float64 {
	se := make([]float64, len(priors))
	prefix := map[int32][]float64{}
	for _, r := range rows {
		ps, ok := prefix[r.User]
		if !ok {
			ps = residualPrefix(base, hist.All(r.User))
			prefix[r.User] = ps
		}
		n := len(hist.Before(r.User, r.Time))
		for k, prior := range priors {
			bu := 0.0
			if n > 0 {
				bu = ps[n] / (prior + float64(n))
			}
			d := float64(clampRating(base.Mean+bu+base.Item[r.Item])) - float64(r.Rating)
			se[k] += d * d
		}
	}
	for k := range se {
		se[k] = math.Sqrt(se[k] / float64(len(rows)))
	}
	return se
}

type refIndex struct {
	mean         float64
	users, items []int32
	u, i         []int32
	r            []float64
}

func refIndexRatings(train []ratings.Rating) *refIndex {
	ix := &refIndex{u: make([]int32, len(train)), i: make([]int32, len(train)), r: make([]float64, len(train))}
	up, ip := map[int32]int32{}, map[int32]int32{}
	var s float64
	for k, t := range train {
		p, ok := up[t.User]
		if !ok {
			p = int32(len(ix.users))
			up[t.User] = p
			ix.users = append(ix.users, t.User)
		}
		q, ok := ip[t.Item]
		if !ok {
			q = int32(len(ix.items))
			ip[t.Item] = q
			ix.items = append(ix.items, t.Item)
		}
		ix.u[k], ix.i[k], ix.r[k] = p, q, float64(t.Rating)
		s += float64(t.Rating)
	}
	ix.mean = s / float64(len(train))
	return ix
}

func (ix *refIndex) step(b, sum []float64, cnt []int, pos []int32, ob []float64, opos []int32, lambda float64) {
	clear(sum)
	clear(cnt)
	for k, r := range ix.r {
		sum[pos[k]] += r - ix.mean - ob[opos[k]]
		cnt[pos[k]]++
	}
	for p := range b {
		b[p] = sum[p] / (lambda + float64(cnt[p]))
	}
}

func (ix *refIndex) fit(itemLambda, userLambda float64, rounds int) *UserItemBias {
	bu, bi := make([]float64, len(ix.users)), make([]float64, len(ix.items))
	su, si := make([]float64, len(ix.users)), make([]float64, len(ix.items))
	cu, ci := make([]int, len(ix.users)), make([]int, len(ix.items))
	for range rounds {
		ix.step(bi, si, ci, ix.i, bu, ix.u, itemLambda)
		ix.step(bu, su, cu, ix.u, bi, ix.i, userLambda)
	}
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

// messyRatings has what the search must get right: same-second rows (ties broken by
// item, then insertion order), a user rating one item twice, validation users absent
// from train, validation items absent from train, and ratings at both ends of the scale.
func messyRatings(seed uint64) (train, val []ratings.Rating) {
	rng := rand.New(rand.NewPCG(seed, 7))
	for range 4000 {
		u := int32(1 + rng.IntN(120))
		r := ratings.Rating{User: u, Item: int32(1 + rng.IntN(90)), Time: int64(rng.IntN(400)),
			Rating: float32(1+rng.IntN(10)) / 2}
		if r.Time < 300 {
			train = append(train, r)
		} else {
			val = append(val, r)
		}
	}
	for range 300 {
		val = append(val, ratings.Rating{User: int32(121 + rng.IntN(20)), Item: int32(1 + rng.IntN(100)),
			Time: int64(300 + rng.IntN(100)), Rating: float32(1+rng.IntN(10)) / 2})
	}
	return train, val
}

// TestTunedBaselinesEqualsReference: the grid search gives the reference's choices,
// validation RMSEs and predictions, bit for bit.
func TestTunedBaselinesEqualsReference(t *testing.T) {
	ctx := context.Background()
	for seed := range uint64(4) {
		train, val := messyRatings(seed)
		if seed == 3 {
			train, val = plantedUsers(0.7, 5)
		}
		want, wantT := refTunedBaselines(ctx, train, val)
		got, gotT, err := TunedBaselines(ctx, train, val)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(gotT, wantT) {
			t.Fatalf("seed %d: tuning\n got %+v\nwant %+v", seed, gotT, wantT)
		}
		hist := NewHistory(train, val)
		for i := range want {
			pw, _ := want[i].Predict(ctx, hist, val)
			pg, _ := got[i].Predict(ctx, hist, val)
			if !reflect.DeepEqual(pg, pw) {
				t.Fatalf("seed %d: %s predicts differently", seed, want[i].Name())
			}
		}
		if !reflect.DeepEqual(got[1], want[1]) {
			t.Fatalf("seed %d: user-item-bias differs", seed)
		}
	}
}
