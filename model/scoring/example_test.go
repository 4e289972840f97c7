package scoring_test

import (
	"context"
	"fmt"

	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/scoring"
)

// The history-aware bias re-estimates a user's bias from what they rated strictly
// before each scored row: a new user's second rating is scored using their first.
func ExampleHistoryAwareBias() {
	train := []ratings.Rating{
		{User: 1, Item: 10, Rating: 4, Time: 1},
		{User: 2, Item: 10, Rating: 2, Time: 2},
		{User: 2, Item: 20, Rating: 3, Time: 3},
	}
	ps, _ := scoring.Baselines(train)
	released := []ratings.Rating{
		{User: 9, Item: 10, Rating: 5, Time: 100}, // user 9 is new
		{User: 9, Item: 20, Rating: 5, Time: 200},
	}
	hist := scoring.NewHistory(train, released)
	for _, p := range ps {
		pred, _ := p.Predict(context.Background(), hist, released)
		fmt.Printf("%-18s %.3f %.3f\n", p.Name(), pred[0], pred[1])
	}
	// Output:
	// global-mean        3.000 3.000
	// user-item-bias     3.000 3.005
	// history-aware-bias 3.000 3.130
}
