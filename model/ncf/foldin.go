package ncf

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/scoring"
)

// Fold-in serves users the trained model has never seen, and refreshes those it has,
// without touching the item side (README "Continuous training (the retrain step)"): for every user
// with new ratings, the user bias and the GMF embedding are the ridge (MAP) solution of
//
//	min Σ_i (r_ui − c_ui − [1, q_i⊙h_g]·θ_u)² + λ‖θ_u − θ_u⁰‖²
//
// where θ_u = (b_u, p_u), c_ui is the rest of the forward pass (global bias, item bias,
// the MLP tower over the user's MLP embedding) with every item parameter frozen, and
// the prior θ_u⁰ is the trained values (zero for a new user). A new user's MLP
// embedding is the mean of the trained users' (the tower is not refit). The solve is
// closed-form and deterministic: a rerun gives identical parameters.

// Lambdas are the fold-in prior strengths: for users the model was trained on (their
// trained values are the prior) and for new users (zero prior).
type Lambdas struct {
	Returning float64 `json:"returning"`
	New       float64 `json:"new"`
}

// FoldIn returns a copy of m refreshed on rows (ratings the model was not trained on:
// validation and released days), with the prior strengths l, and the number of users
// refit and, among them, new users.
func (m *NCF) FoldIn(rows []ratings.Rating, l Lambdas) (*NCF, int, int, error) {
	if !(l.Returning > 0) || !(l.New > 0) {
		return nil, 0, 0, fmt.Errorf("ncf fold-in: lambdas %+v, want > 0", l)
	}
	byUser := map[int32][]ratings.Rating{}
	var users []int32
	for _, r := range rows {
		if _, ok := byUser[r.User]; !ok {
			users = append(users, r.User)
		}
		byUser[r.User] = append(byUser[r.User], r)
	}
	slices.Sort(users)
	out := m.grow(users)
	fresh := 0
	s := newScratch(&out.net)
	for _, id := range users {
		lambda := l.Returning
		if _, ok := m.users[id]; !ok {
			fresh++
			lambda = l.New
		}
		out.solveUser(s, out.users[id], byUser[id], lambda)
	}
	return out, len(users), fresh, nil
}

// grow copies m with rows for the users of ids it does not know (in ids' order, after
// every row m has): zero bias and GMF embedding, the known users' mean MLP embedding.
func (m *NCF) grow(ids []int32) *NCF {
	out := &NCF{net: m.net, users: make(map[int32]int32, len(m.users)), items: m.items, graphs: map[int]*graph{}}
	for id, r := range m.users {
		out.users[id] = r
	}
	rows := int32(m.ub.Shape[0])
	next := rows
	for _, id := range ids {
		if _, ok := out.users[id]; !ok {
			out.users[id] = next
			next++
		}
	}
	out.alloc(int(next), len(m.items))
	for k, p := range m.params {
		copy(out.params[k].Value, p.Value)
	}
	mean := m.meanMLP()
	for r := rows; r < next; r++ {
		copy(out.um.Row(r), mean)
	}
	return out
}

// solveUser refits user row u's bias and GMF embedding on rows (see FoldIn).
func (m *NCF) solveUser(s *scratch, u int32, rows []ratings.Rating, lambda float64) {
	ub, pu := m.userTheta(s, m.ub.Value[u], m.ug.Row(u), m.um.Row(u), rows, lambda)
	m.ub.Value[u] = ub
	copy(m.ug.Row(u), pu)
}

// userTheta is the ridge (MAP) solution of a user's bias and GMF embedding on rows,
// with prior (ub0, pu0) of strength lambda, the user's MLP embedding um and the item
// side frozen (see FoldIn).
func (m *NCF) userTheta(s *scratch, ub0 float32, pu0, um []float32, rows []ratings.Rating, lambda float64) (float32, []float32) {
	acc := m.newNormal(ub0, pu0, um)
	for _, r := range rows {
		acc.add(m, s, r.Item, r.Rating)
	}
	return acc.solve(lambda)
}

// normal accumulates the normal equations of one user's fold-in: XᵀX and
// Xᵀ(r − prediction under the prior), additive over ratings (the residuals are taken
// at the prior), so a user's history can be added one rating at a time.
type normal struct {
	ub0     float32
	pu0, um []float32
	a, b, x []float64
}

func (m *NCF) newNormal(ub0 float32, pu0, um []float32) *normal {
	d := 1 + m.net.GMFDim
	return &normal{ub0: ub0, pu0: pu0, um: um, a: make([]float64, d*d), b: make([]float64, d), x: make([]float64, d)}
}

func (n *normal) add(m *NCF, s *scratch, item int32, rating float32) {
	g, d := m.net.GMFDim, len(n.b)
	i, iok := m.items[item]
	pred := float64(m.scoreUser(s, n.ub0, n.pu0, n.um, i, iok))
	x := n.x
	clear(x)
	x[0] = 1
	if iok {
		qi := m.ig.Row(i)
		for j := range g {
			x[1+j] = float64(qi[j] * m.hg.Value[j])
		}
	}
	resid := float64(rating) - pred
	for p := range d {
		n.b[p] += x[p] * resid
		for q := range d {
			n.a[p*d+q] += x[p] * x[q]
		}
	}
}

// solve returns the prior plus the ridge step of strength lambda.
func (n *normal) solve(lambda float64) (float32, []float32) {
	d := len(n.b)
	a := slices.Clone(n.a)
	for p := range d {
		a[p*d+p] += lambda
	}
	delta := solveSPD(a, n.b, d)
	pu := make([]float32, d-1)
	for j := range pu {
		pu[j] = float32(float64(n.pu0[j]) + delta[1+j])
	}
	return float32(float64(n.ub0) + delta[0]), pu
}

// solveSPD solves a·x = b for a symmetric positive definite d×d a by Cholesky.
func solveSPD(a, b []float64, d int) []float64 {
	l := make([]float64, d*d)
	for i := range d {
		for j := 0; j <= i; j++ {
			s := a[i*d+j]
			for k := range j {
				s -= l[i*d+k] * l[j*d+k]
			}
			if i == j {
				l[i*d+i] = math.Sqrt(s)
			} else {
				l[i*d+j] = s / l[j*d+j]
			}
		}
	}
	y := make([]float64, d)
	for i := range d {
		s := b[i]
		for k := range i {
			s -= l[i*d+k] * y[k]
		}
		y[i] = s / l[i*d+i]
	}
	x := make([]float64, d)
	for i := d - 1; i >= 0; i-- {
		s := y[i]
		for k := i + 1; k < d; k++ {
			s -= l[k*d+i] * x[k]
		}
		x[i] = s / l[i*d+i]
	}
	return x
}

// FoldInGrid is the grid of fold-in strengths λ tuned on validation, for returning and
// for new users apart.
var FoldInGrid = []float64{0.5, 1, 2, 5, 10, 20, 50, 100}

// FoldInTuning is the choice of the fold-in strengths on validation and the RMSE of
// every grid value: each validation row scored by Online over the model (history
// train + validation, each row seeing the validation ratings strictly before it);
// returning users as trained, new users simulated by forgetting every validation user
// (zero prior).
type FoldInTuning struct {
	Lambdas          Lambdas   `json:"lambdas"`
	Grid             []float64 `json:"grid"`
	ReturningValRMSE []float64 `json:"returning_val_rmse"`
	NewValRMSE       []float64 `json:"new_val_rmse"`
}

// TuneFoldIn chooses the fold-in strengths on val (see FoldInTuning).
func (m *NCF) TuneFoldIn(ctx context.Context, train, val []ratings.Rating) (*FoldInTuning, error) {
	if len(val) == 0 || len(train) == 0 {
		return nil, fmt.Errorf("ncf fold-in tuning: %d train and %d validation rows", len(train), len(val))
	}
	cutoffs := UserCutoffs(train)
	hist := scoring.NewHistory(train, val)
	t := &FoldInTuning{Grid: FoldInGrid}
	for _, side := range []struct {
		model *NCF
		rmse  *[]float64
	}{{m, &t.ReturningValRMSE}, {m.forget(val), &t.NewValRMSE}} {
		for _, l := range FoldInGrid {
			o := &Online{M: side.model, UserCutoff: cutoffs, Lambdas: Lambdas{Returning: l, New: l}}
			pred, err := o.Predict(ctx, hist, val)
			if err != nil {
				return nil, err
			}
			*side.rmse = append(*side.rmse, scoring.RowScores(pred, val).RMSE)
		}
	}
	t.Lambdas = Lambdas{Returning: FoldInGrid[argmin(t.ReturningValRMSE)], New: FoldInGrid[argmin(t.NewValRMSE)]}
	return t, nil
}

// forget returns m without the users of rows in its vocabulary (their parameter rows
// stay, unused): to the fold-in they are new users.
func (m *NCF) forget(rows []ratings.Rating) *NCF {
	out := *m
	out.users = make(map[int32]int32, len(m.users))
	for id, r := range m.users {
		out.users[id] = r
	}
	for _, r := range rows {
		delete(out.users, r.User)
	}
	return &out
}

func argmin(v []float64) int {
	best := 0
	for i, x := range v {
		if x < v[best] {
			best = i
		}
	}
	return best
}

var _ scoring.Predictor = (*NCF)(nil)

// Online serves a version with the fold-in also done per scored row (docs/design.md
// §Continuous training): a row of user u at time t is scored with u's bias and GMF
// embedding refit, as FoldIn does with the item side frozen, on u's ratings strictly
// before t that are newer than Cutoff (the last time M has seen: rows earlier in the
// same day), M's values as the prior. With no such rating it is M itself.
type Online struct {
	M       *NCF
	Cutoff  int64
	Lambdas Lambdas
	// UserCutoff, when set, is each user's own cutoff (its newest training rating:
	// train is a per-user holdout), for a model that folded nothing in yet.
	UserCutoff map[int32]int64
}

// UserCutoffs is each user's newest rating time in train.
func UserCutoffs(train []ratings.Rating) map[int32]int64 {
	out := map[int32]int64{}
	for _, r := range train {
		out[r.User] = max(out[r.User], r.Time)
	}
	return out
}

func (o *Online) Name() string { return Name }

// Predict scores rows under the history rule: each user's fresh ratings strictly
// before a row's time are added to the user's normal equations in time order, once.
func (o *Online) Predict(ctx context.Context, hist *scoring.History, rows []ratings.Rating) ([]float32, error) {
	m := o.M
	out := make([]float32, len(rows))
	s := newScratch(&m.net)
	zeroG := make([]float32, m.net.GMFDim)
	meanUM := m.meanMLP()
	byUser := map[int32][]int{}
	var users []int32
	for k, r := range rows {
		if _, ok := byUser[r.User]; !ok {
			users = append(users, r.User)
		}
		byUser[r.User] = append(byUser[r.User], k)
	}
	slices.Sort(users)
	for _, id := range users {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		idx := byUser[id]
		slices.SortStableFunc(idx, func(a, b int) int { return int(min(max(rows[a].Time-rows[b].Time, -1), 1)) })
		cutoff := o.Cutoff
		if c, ok := o.UserCutoff[id]; ok {
			cutoff = c
		}
		var past []scoring.Interaction
		if hist != nil {
			past = hist.All(id)
		}
		u, uok := m.users[id]
		lambda, acc := o.Lambdas.New, m.newNormal(0, zeroG, meanUM)
		if uok {
			lambda, acc = o.Lambdas.Returning, m.newNormal(m.ub.Value[u], m.ug.Row(u), m.um.Row(u))
		}
		next, added := 0, 0
		for _, k := range idx {
			r := rows[k]
			for ; next < len(past) && past[next].Time < r.Time; next++ {
				if h := past[next]; h.Time > cutoff {
					acc.add(m, s, h.Item, h.Rating)
					added++
				}
			}
			i, iok := m.items[r.Item]
			if added == 0 {
				out[k] = clamp(m.score(s, u, i, uok, iok))
				continue
			}
			ub, pu := acc.solve(lambda)
			out[k] = clamp(m.scoreUser(s, ub, pu, acc.um, i, iok))
		}
	}
	return out, nil
}

// meanMLP is the known users' mean MLP embedding (a new user's), summed in row order.
func (m *NCF) meanMLP() []float32 {
	known := make([]int32, 0, len(m.users))
	for _, r := range m.users {
		known = append(known, r)
	}
	slices.Sort(known)
	mean := make([]float64, m.net.MLPDim)
	for _, r := range known {
		for j, v := range m.um.Row(r) {
			mean[j] += float64(v)
		}
	}
	out := make([]float32, len(mean))
	for j := range mean {
		out[j] = float32(mean[j] / float64(max(len(known), 1)))
	}
	return out
}
