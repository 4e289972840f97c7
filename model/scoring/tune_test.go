package scoring

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/recpipe/recpipe/internal/ratings"
)

// plantedUsers makes ratings whose user effect has standard deviation userSD (0: none)
// around 3.5 plus noise; train before t=1000, validation after.
func plantedUsers(userSD float64, seed uint64) (train, val []ratings.Rating) {
	rng := rand.New(rand.NewPCG(seed, 1))
	for u := int32(1); u <= 200; u++ {
		bu := userSD * rng.NormFloat64()
		for k := range 40 {
			r := ratings.Rating{User: u, Item: int32(rng.IntN(50) + 1), Time: int64(k * 50)}
			v := 3.5 + bu + 0.8*rng.NormFloat64()
			r.Rating = float32(min(max(float64(int(v*2+0.5))/2, 0.5), 5))
			if r.Time < 1000 {
				train = append(train, r)
			} else {
				val = append(val, r)
			}
		}
	}
	return train, val
}

func TestTunedBaselines(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		userSD float64
		prior  func(p float64) bool
	}{
		// No user effect: a user's past mean is noise; shrink as hard as the grid allows.
		{"no user effect", 0, func(p float64) bool { return p == slices.Max(PriorGrid) }},
		// A strong user effect: believe the history.
		{"strong user effect", 1, func(p float64) bool { return p <= 5 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			train, val := plantedUsers(tt.userSD, 3)
			ps, tun, err := TunedBaselines(ctx, train, val)
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != 3 || len(tun) != 3 {
				t.Fatalf("%d predictors, %d tunings", len(ps), len(tun))
			}
			hab := tun[2]
			if hab.Name != "history-aware-bias" || hab.Budget != len(BiasLambdaGrid)*len(BiasLambdaGrid)*len(PriorGrid) {
				t.Fatalf("history-aware tuning %+v", hab)
			}
			if !tt.prior(hab.Params["prior"]) {
				t.Errorf("chose prior %v", hab.Params["prior"])
			}
			// The tuned values beat (or tie) the documented defaults, which are in the grid.
			defaults, _ := Baselines(train)
			hist := NewHistory(train, val)
			for i, p := range ps {
				pd, _ := defaults[i].Predict(ctx, hist, val)
				pt, _ := p.Predict(ctx, hist, val)
				if got, def := RowScores(pt, val).RMSE, RowScores(pd, val).RMSE; got > def+1e-12 || got != tun[i].ValRMSE {
					t.Errorf("%s: tuned val RMSE %v (recorded %v), defaults %v", p.Name(), got, tun[i].ValRMSE, def)
				}
			}
		})
	}
}

func TestBaselinesFromTuning(t *testing.T) {
	ctx := context.Background()
	for _, sd := range []float64{0, 1} {
		train, val := plantedUsers(sd, 5)
		ps, tun, err := TunedBaselines(ctx, train, val)
		if err != nil {
			t.Fatal(err)
		}
		got, err := BaselinesFromTuning(train, tun)
		if err != nil {
			t.Fatal(err)
		}
		hist := NewHistory(train, val)
		for i := range ps {
			want, _ := ps[i].Predict(ctx, hist, val)
			have, _ := got[i].Predict(ctx, hist, val)
			if got[i].Name() != ps[i].Name() || !slices.Equal(want, have) {
				t.Errorf("user sd %v: %s refit from its tuning predicts otherwise", sd, ps[i].Name())
			}
		}
	}
	bad := []struct {
		name string
		tun  []Tuning
	}{
		{"empty", nil},
		{"wrong order", []Tuning{{Name: "user-item-bias"}, {Name: "global-mean"}, {Name: "history-aware-bias"}}},
		{"no params", []Tuning{{Name: "global-mean"}, {Name: "user-item-bias"}, {Name: "history-aware-bias"}}},
	}
	train, _ := plantedUsers(1, 5)
	for _, tt := range bad {
		if _, err := BaselinesFromTuning(train, tt.tun); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}
