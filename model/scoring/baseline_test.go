package scoring

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/recpipe/recpipe/internal/ratings"
)

// A tiny train set whose biases are worked out by hand in the comments below.
// μ = 11/3. One ALS round with λ_item = λ_user = 1:
//
//	b_i1 = ((4−μ)+(5−μ))/(1+2) = 5/9        b_i2 = (2−μ)/(1+1) = −5/6
//	b_u1 = ((4−μ−5/9)+(2−μ+5/6))/(1+2) = −19/54
//	b_u2 = (5−μ−5/9)/(1+1) = 7/18
var handTrain = []ratings.Rating{
	{User: 1, Item: 1, Rating: 4, Time: 1},
	{User: 1, Item: 2, Rating: 2, Time: 2},
	{User: 2, Item: 1, Rating: 5, Time: 3},
}

func near(t *testing.T, what string, got float32, want float64) {
	t.Helper()
	if math.Abs(float64(got)-want) > 1e-5 {
		t.Errorf("%s = %.6f, want %.6f", what, got, want)
	}
}

func TestGlobalMean(t *testing.T) {
	gm, err := FitGlobalMean(handTrain)
	if err != nil {
		t.Fatal(err)
	}
	got, err := gm.Predict(context.Background(), NewHistory(), []ratings.Rating{{User: 7, Item: 9}})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "global mean", got[0], 11.0/3)
	if _, err := FitGlobalMean(nil); !errors.Is(err, ErrNoTrain) {
		t.Errorf("FitGlobalMean(nil) err = %v, want ErrNoTrain", err)
	}
}

func TestUserItemBias(t *testing.T) {
	m, err := FitUserItemBias(handTrain, 1, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		user, item int32
		want       float64
	}{
		{"u1 i1", 1, 1, 11.0/3 - 19.0/54 + 5.0/9},
		{"u2 i2", 2, 2, 11.0/3 + 7.0/18 - 5.0/6},
		{"unseen user", 9, 1, 11.0/3 + 5.0/9},
		{"unseen item", 2, 99, 11.0/3 + 7.0/18},
		{"unseen both", 9, 99, 11.0 / 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := m.Predict(context.Background(), nil, []ratings.Rating{{User: tc.user, Item: tc.item}})
			if err != nil {
				t.Fatal(err)
			}
			near(t, "prediction", got[0], tc.want)
		})
	}
}

func TestUserItemBiasConvergesToRidgeSolution(t *testing.T) {
	// With many rounds ALS reaches the fixed point: every bias equals its shrunk
	// residual mean given the others.
	m, err := FitUserItemBias(handTrain, 2, 3, 200)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range []int32{1, 2} {
		var s, n float64
		for _, r := range handTrain {
			if r.Item == it {
				s += float64(r.Rating) - m.Mean - m.User[r.User]
				n++
			}
		}
		if d := math.Abs(m.Item[it] - s/(2+n)); d > 1e-9 {
			t.Errorf("item %d bias off its fixed point by %g", it, d)
		}
	}
}

func TestHistoryAwareBias(t *testing.T) {
	base, err := FitUserItemBias(handTrain, 1, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	m := &HistoryAwareBias{Base: base, Prior: 2}
	// User 3 is unseen in train; their history (validation / released rows):
	hist := NewHistory(handTrain, []ratings.Rating{
		{User: 3, Item: 1, Rating: 5, Time: 10}, // residual 5−μ−5/9 = 7/9
		{User: 3, Item: 2, Rating: 3, Time: 20}, // residual 3−μ+5/6 = 1/6
	})
	tests := []struct {
		name string
		row  ratings.Rating
		want float64
	}{
		{"no history before t", ratings.Rating{User: 3, Item: 1, Time: 5}, 11.0/3 + 5.0/9},
		{"same second excluded", ratings.Rating{User: 3, Item: 2, Time: 20}, 11.0/3 + (7.0/9)/3 - 5.0/6},
		{"both before", ratings.Rating{User: 3, Item: 1, Time: 21}, 11.0/3 + (7.0/9+1.0/6)/4 + 5.0/9},
		{"train user, train history", ratings.Rating{User: 2, Item: 2, Time: 100}, 11.0/3 + (7.0/9)/3 - 5.0/6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := m.Predict(context.Background(), hist, []ratings.Rating{tc.row})
			if err != nil {
				t.Fatal(err)
			}
			near(t, "prediction", got[0], tc.want)
		})
	}
	if _, err := m.Predict(context.Background(), nil, handTrain); err == nil {
		t.Error("Predict with nil history: want an error")
	}
}

func TestPredictionsClamped(t *testing.T) {
	m := &UserItemBias{Mean: 4.5, User: map[int32]float64{1: 2, 2: -9}, Item: map[int32]float64{}}
	got, _ := m.Predict(context.Background(), nil, []ratings.Rating{{User: 1, Item: 1}, {User: 2, Item: 1}})
	if got[0] != MaxRating || got[1] != MinRating {
		t.Errorf("clamped = %v, want [%v %v]", got, MaxRating, MinRating)
	}
}

func TestBaselinesOrder(t *testing.T) {
	ps, err := Baselines(handTrain)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"global-mean", "user-item-bias", "history-aware-bias"}
	for i, p := range ps {
		if p.Name() != want[i] {
			t.Errorf("baseline %d = %s, want %s", i, p.Name(), want[i])
		}
	}
}

// TestHistoryAwareBiasTwoCoresEqualsOne: Predict on two cores (users split by parity)
// gives every row the bits of the one-core pass.
func TestHistoryAwareBiasTwoCoresEqualsOne(t *testing.T) {
	defer func(n int) { habParallelMin = n }(habParallelMin)
	train, val := plantedUsers(0.5, 7)
	uib, err := FitUserItemBias(train, 5, 10, DefaultBiasRounds)
	if err != nil {
		t.Fatal(err)
	}
	m := &HistoryAwareBias{Base: uib, Prior: 5}
	hist := NewHistory(train, val)
	predict := func(min int) []float32 {
		habParallelMin = min
		p, err := m.Predict(context.Background(), hist, val)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	one, two := predict(len(val)+1), predict(1)
	if !slices.Equal(one, two) {
		t.Fatal("two cores' predictions differ from one core's")
	}
}
