package abtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/scoring"
)

// Role says which side of the comparison a scored model is on.
const (
	RoleA        = "a"
	RoleB        = "b"
	RoleBaseline = "baseline"
)

// ErrBadPrediction: a predictor returned the wrong number of predictions or a
// non-finite value.
var ErrBadPrediction = errors.New("bad prediction")

// Scorer is a predictor with its role in the comparison.
type Scorer struct {
	Role string
	P    scoring.Predictor
}

// ErrorStats are RMSE and MAE over a set of rows (absent when it has none).
type ErrorStats struct {
	Rows int      `json:"rows"`
	RMSE *float64 `json:"rmse,omitempty"`
	MAE  *float64 `json:"mae,omitempty"`
}

// ModelMetrics are one model's metrics on the day's rows: all rows at the top level,
// new and returning users apart in Segments.
type ModelMetrics struct {
	Name     string             `json:"name"`
	Role     string             `json:"role"`
	RMSE     float64            `json:"rmse"`
	MAE      float64            `json:"mae"`
	Cold     ErrorStats         `json:"cold_start"`
	Warm     ErrorStats         `json:"warm"`
	Ranking  map[string]float64 `json:"ranking,omitempty"`
	Segments []SegmentMetrics   `json:"segments"` // new_users, returning_users
}

// SegmentMetrics are a model's metrics on the rows of one user segment (absent values:
// the segment has no rows, or no ranked user).
type SegmentMetrics struct {
	Segment string             `json:"segment"`
	RMSE    *float64           `json:"rmse"`
	MAE     *float64           `json:"mae"`
	Ranking map[string]float64 `json:"ranking,omitempty"`
}

// Population counts what the day's metrics were computed over.
type Population struct {
	Rows                 int                 `json:"rows"`
	Users                int                 `json:"users"`
	RankedUsers          int                 `json:"ranked_users"`           // users with ≥ 1 relevant row
	UsersWithoutRelevant int                 `json:"users_without_relevant"` // left out of P/R/NDCG/hit rate
	ColdRows             int                 `json:"cold_start_rows"`        // user or item unseen in train
	ColdUserRows         int                 `json:"cold_user_rows"`
	ColdItemRows         int                 `json:"cold_item_rows"`
	Segments             []SegmentPopulation `json:"segments"` // new_users, returning_users
}

// SegmentPopulation counts the rows, users and ranked users of one user segment.
type SegmentPopulation struct {
	Segment     string `json:"segment"`
	Rows        int    `json:"rows"`
	Users       int    `json:"users"`
	RankedUsers int    `json:"ranked_users"`
}

// Scored is the evaluation of one day's rows: every model's metrics and the paired
// per-user units of A against B (and both against the bar, when a scorer is the bar).
type Scored struct {
	Population Population
	Models     []ModelMetrics
	Units      *Units
	Bar        string // the bar's name: BarName when a baseline scorer is it, else ""
}

// BarName is the baseline every model's verdict is also given against (tuned on
// validation like the models): the history-aware bias, which uses the feed's history
// as the deployed models may.
const BarName = "history-aware-bias"

// TrainIndex says which users and items the training split holds (cold start), and
// which users rated anything before the cutoff (train or validation: returning users).
type TrainIndex struct {
	Users     map[int32]bool
	Items     map[int32]bool
	Returning map[int32]bool
}

// IndexTrain builds the TrainIndex of the train and validation splits.
func IndexTrain(train, val []ratings.Rating) TrainIndex {
	user := func(r ratings.Rating) int32 { return r.User }
	trainUsers := distinctIDs(user, train)
	ix := TrainIndex{Users: setOf(trainUsers), Items: setOf(distinctIDs(func(r ratings.Rating) int32 { return r.Item }, train)),
		Returning: setOf(trainUsers)}
	for _, u := range distinctIDs(user, val) {
		ix.Returning[u] = true
	}
	return ix
}

// distinctIDs returns the distinct ids of rows (id of each), in order of first
// appearance: one map insertion per id rather than per row, with a table indexed by id
// where the ids are small and non-negative.
func distinctIDs(id func(ratings.Rating) int32, rows []ratings.Rating) []int32 {
	var out []int32
	var maxID, minID int32
	for _, r := range rows {
		maxID, minID = max(maxID, id(r)), min(minID, id(r))
	}
	if minID < 0 || int64(maxID) >= 4*int64(len(rows))+1<<16 {
		seen := map[int32]bool{}
		for _, r := range rows {
			if v := id(r); !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
		return out
	}
	seen := make([]bool, int64(maxID)+1)
	for _, r := range rows {
		if v := id(r); !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// setOf is the set of ids.
func setOf(ids []int32) map[int32]bool {
	m := make(map[int32]bool, len(ids))
	for _, v := range ids {
		m[v] = true
	}
	return m
}

// ScoreDay scores rows with every scorer under hist (which must already hold the rows:
// predictors look only at interactions strictly before each row's time) and computes
// the metrics. scorers must contain exactly one RoleA and one RoleB.
func ScoreDay(ctx context.Context, hist *scoring.History, rows []ratings.Rating, train TrainIndex, scorers []Scorer) (*Scored, error) {
	if len(rows) == 0 {
		return nil, errors.New("score day: no rows")
	}
	ia, ib, ibar := -1, -1, -1
	for i, s := range scorers {
		switch {
		case s.Role == RoleA:
			ia = i
		case s.Role == RoleB:
			ib = i
		case s.Role == RoleBaseline && s.P.Name() == BarName:
			ibar = i
		}
	}
	preds, err := predictAll(ctx, hist, rows, scorers)
	if err != nil {
		return nil, err
	}
	if ia < 0 || ib < 0 {
		return nil, errors.New("score day: need one scorer of role a and one of role b")
	}

	truth := make([]float64, len(rows))
	cold := make([]bool, len(rows))
	seg := make([]int, len(rows)) // segNew or segReturning
	pop := Population{Rows: len(rows)}
	for j, r := range rows {
		truth[j] = float64(r.Rating)
		cu, ci := !train.Users[r.User], !train.Items[r.Item]
		cold[j] = cu || ci
		if cold[j] {
			pop.ColdRows++
		}
		if cu {
			pop.ColdUserRows++
		}
		if ci {
			pop.ColdItemRows++
		}
		if train.Returning[r.User] {
			seg[j] = segReturning
		}
	}

	// Rows of each user, users in id order.
	byUser := map[int32][]int{}
	for j, r := range rows {
		byUser[r.User] = append(byUser[r.User], j)
	}
	users := make([]int32, 0, len(byUser))
	for u := range byUser {
		users = append(users, u)
	}
	slices.Sort(users)
	pop.Users = len(users)
	segPop := make([]SegmentPopulation, len(userSegments))
	for s, name := range userSegments {
		segPop[s].Segment = name
	}

	out := &Scored{Units: NewUnits(users)}
	side := map[int]int{ia: SideA, ib: SideB}
	if ibar >= 0 {
		out.Bar, side[ibar] = BarName, SideBar
	}
	// rankSums[scorer][segment][metric]: sums of the per-user-day ranking metrics.
	rankSums := make([][][]float64, len(scorers))
	for i := range rankSums {
		rankSums[i] = make([][]float64, len(userSegments))
		for s := range rankSums[i] {
			rankSums[i][s] = make([]float64, len(Metrics))
		}
	}
	var score []float64
	var items []int32
	var rel []bool
	for ui, u := range users {
		idx := byUser[u]
		us := seg[idx[0]]
		out.Units.Returning[ui] = us == segReturning
		segPop[us].Users++
		segPop[us].Rows += len(idx)
		row := out.Units.Row(ui)
		row[WRows] = float64(len(idx))
		for si, sd := range side {
			for _, j := range idx {
				e := preds[si][j] - truth[j]
				row[sideIdx(sd, 0)] += e * e
				row[sideIdx(sd, 1)] += math.Abs(e)
			}
		}
		items = items[:0]
		relevant := 0
		for _, j := range idx {
			items = append(items, rows[j].Item)
			if truth[j] >= RelevantAt {
				relevant++
			}
		}
		if relevant == 0 {
			pop.UsersWithoutRelevant++
			continue
		}
		pop.RankedUsers++
		segPop[us].RankedUsers++
		row[WRank] = 1
		for si := range scorers {
			score = score[:0]
			for _, j := range idx {
				score = append(score, preds[si][j])
			}
			rel = rel[:0]
			for _, o := range RankOrder(score, items) {
				rel = append(rel, truth[idx[o]] >= RelevantAt)
			}
			for ki, k := range Ks {
				m, _ := RankAt(rel, k)
				vals := [4]float64{m.Precision, m.Recall, m.NDCG, m.Hit}
				for f, v := range vals {
					mi := 2 + f*len(Ks) + ki
					rankSums[si][us][mi] += v
					if sd, ok := side[si]; ok {
						row[sideIdx(sd, mi)] += v
					}
				}
			}
		}
	}
	pop.Segments = segPop
	out.Population = pop

	for si, s := range scorers {
		mm := ModelMetrics{Name: s.P.Name(), Role: s.Role,
			RMSE: RMSE(preds[si], truth), MAE: MAE(preds[si], truth)}
		mm.Cold = errorStats(preds[si], truth, func(j int) bool { return cold[j] })
		mm.Warm = errorStats(preds[si], truth, func(j int) bool { return !cold[j] })
		all := make([]float64, len(Metrics))
		for us, name := range userSegments {
			e := errorStats(preds[si], truth, func(j int) bool { return seg[j] == us })
			sm := SegmentMetrics{Segment: name, RMSE: e.RMSE, MAE: e.MAE}
			sm.Ranking = rankingMeans(rankSums[si][us], segPop[us].RankedUsers)
			mm.Segments = append(mm.Segments, sm)
			for mi, v := range rankSums[si][us] {
				all[mi] += v
			}
		}
		mm.Ranking = rankingMeans(all, pop.RankedUsers)
		out.Models = append(out.Models, mm)
	}
	return out, nil
}

// rankingMeans turns the sums of the per-user-day ranking metrics into means over
// ranked user-days (nil when there is none).
func rankingMeans(sums []float64, ranked int) map[string]float64 {
	if ranked == 0 {
		return nil
	}
	out := map[string]float64{}
	for mi := 2; mi < len(Metrics); mi++ {
		out[Metrics[mi].Name] = sums[mi] / float64(ranked)
	}
	return out
}

// errorStats are RMSE and MAE over the rows j with keep(j): the sums of RMSE and MAE
// over those rows, in row order.
func errorStats(pred, truth []float64, keep func(j int) bool) ErrorStats {
	var se, ae float64
	n := 0
	for j := range pred {
		if keep(j) {
			d := pred[j] - truth[j]
			se += d * d
			ae += math.Abs(pred[j] - truth[j])
			n++
		}
	}
	e := ErrorStats{Rows: n}
	if n > 0 {
		r, m := math.Sqrt(se/float64(n)), ae/float64(n)
		e.RMSE, e.MAE = &r, &m
	}
	return e
}

// predictAll scores rows with every scorer, all at once (a predictor only reads its
// parameters and hist; the sequence model spreads its own work over the cores), and
// checks each one's predictions: one per row, all finite. The first scorer in order
// that failed gives the error.
func predictAll(ctx context.Context, hist *scoring.History, rows []ratings.Rating, scorers []Scorer) ([][]float64, error) {
	preds := make([][]float64, len(scorers))
	errs := make([]error, len(scorers))
	var wg sync.WaitGroup
	for i, s := range scorers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			preds[i], errs[i] = predict(ctx, hist, rows, s)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return preds, nil
}

// predict is one scorer's predictions of rows, checked.
func predict(ctx context.Context, hist *scoring.History, rows []ratings.Rating, s Scorer) ([]float64, error) {
	p, err := s.P.Predict(ctx, hist, rows)
	if err != nil {
		return nil, fmt.Errorf("score %s (%s): %w", s.P.Name(), s.Role, err)
	}
	if len(p) != len(rows) {
		return nil, fmt.Errorf("score %s: %d predictions for %d rows: %w", s.P.Name(), len(p), len(rows), ErrBadPrediction)
	}
	out := make([]float64, len(p))
	for j, v := range p {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("score %s: row %d (user %d, item %d, time %d) predicted %v: %w",
				s.P.Name(), j, rows[j].User, rows[j].Item, rows[j].Time, v, ErrBadPrediction)
		}
		out[j] = float64(v)
	}
	return out, nil
}
