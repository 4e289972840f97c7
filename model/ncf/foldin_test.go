package ncf

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/scoring"
)

func foldInTrain() []ratings.Rating {
	rng := rand.New(rand.NewPCG(5, 6))
	var rows []ratings.Rating
	for u := int32(1); u <= 40; u++ {
		for k := range 20 {
			rows = append(rows, ratings.Rating{User: u, Item: int32(1 + rng.IntN(30)), Rating: float32(1+rng.IntN(9)) / 2, Time: int64(k)})
		}
	}
	return rows
}

// A planted new user who rates everything 5 is predicted higher after fold-in, and
// the more so the weaker the prior; a user with no fresh rating is predicted as the
// model predicts it; the fold-in is deterministic.
func TestFoldInAndOnline(t *testing.T) {
	ctx := context.Background()
	m, err := New(DefaultNet(), foldInTrain(), 1)
	if err != nil {
		t.Fatal(err)
	}
	const newUser = 99
	fresh := []ratings.Rating{{User: newUser, Item: 3, Rating: 5, Time: 100}, {User: newUser, Item: 4, Rating: 5, Time: 101}}
	probe := []ratings.Rating{{User: newUser, Item: 5, Time: 200}}
	base, _ := m.Predict(ctx, nil, probe)
	var preds []float32
	for _, l := range []float64{100, 1} {
		f, users, fresh2, err := m.FoldIn(fresh, Lambdas{Returning: l, New: l})
		if err != nil || users != 1 || fresh2 != 1 {
			t.Fatalf("fold-in: %d users, %d new, %v", users, fresh2, err)
		}
		p, _ := f.Predict(ctx, nil, probe)
		preds = append(preds, p[0])
		again, _, _, _ := m.FoldIn(fresh, Lambdas{Returning: l, New: l})
		q, _ := again.Predict(ctx, nil, probe)
		if q[0] != p[0] {
			t.Errorf("λ %v: fold-in not deterministic: %v then %v", l, p[0], q[0])
		}
	}
	if !(base[0] < preds[0] && preds[0] < preds[1]) {
		t.Errorf("predictions for a user rating 5: unseen %v, λ=100 %v, λ=1 %v: want increasing", base[0], preds[0], preds[1])
	}
	// Online: the same user refit on the history before the probe; without it, M's own.
	o := &Online{M: m, Cutoff: 50, Lambdas: Lambdas{Returning: 1, New: 1}}
	got, _ := o.Predict(ctx, scoring.NewHistory(fresh), probe)
	if got[0] != preds[1] {
		t.Errorf("online prediction %v, the batch fold-in's %v", got[0], preds[1])
	}
	got, _ = o.Predict(ctx, scoring.NewHistory(), probe)
	if got[0] != base[0] {
		t.Errorf("online with no history %v, the model's %v", got[0], base[0])
	}
}
