package abtest

import (
	"fmt"
	"math"
	"slices"
)

// Kind says how a metric is aggregated from per-user sums.
type Kind int

const (
	// Mean metrics are Σ value / Σ weight (MAE over rows, ranking metrics over users).
	Mean Kind = iota
	// RootMean metrics are √(Σ value / Σ weight) (RMSE from squared errors over rows).
	RootMean
)

// Weight groups: what a metric's weight counts.
const (
	WRows   = 0 // scored rows of the user
	WRank   = 1 // user-days with at least one relevant row
	weights = 2 // number of weight groups
)

// Metric describes one compared metric.
type Metric struct {
	Name          string
	Kind          Kind
	Weight        int  // WRows or WRank
	LowerIsBetter bool // errors: lower is better; ranking: higher is better
}

// Metrics are the compared metrics, in report order: RMSE, MAE, then Precision, Recall,
// NDCG and hit rate at each k of Ks.
var Metrics = func() []Metric {
	ms := []Metric{
		{Name: "rmse", Kind: RootMean, Weight: WRows, LowerIsBetter: true},
		{Name: "mae", Kind: Mean, Weight: WRows, LowerIsBetter: true},
	}
	for _, fam := range []string{"precision", "recall", "ndcg", "hit_rate"} {
		for _, k := range Ks {
			ms = append(ms, Metric{Name: fmt.Sprintf("%s@%d", fam, k), Kind: Mean, Weight: WRank})
		}
	}
	return ms
}()

// MetricIndex returns the position of name in Metrics, or -1.
func MetricIndex(name string) int {
	for i, m := range Metrics {
		if m.Name == name {
			return i
		}
	}
	return -1
}

// Units are the per-user paired sums of a comparison of model A with model B: for each
// user, the weights of each group and, for each metric, the sum of A's, of B's and of
// the bar's value (squared errors for RMSE, absolute errors for MAE, per-user-day
// ranking metrics). The bar is the tuned history-aware baseline (BarName): every model
// is also judged against it (Pair). Users are the resampling unit: one user's rows are
// not independent. Returning[i] says whether user i had a rating before the cutoff (a
// row in train or validation); the others are new users (see Segments).
type Units struct {
	Users     []int32
	Returning []bool
	data      []float64 // stride Stride(): weights, then A sums, B sums, bar sums
}

// The sides of Units, in the order their sums are stored.
const (
	SideA   = 0
	SideB   = 1
	SideBar = 2
	sides   = 3
)

// Stride is the number of values stored per user.
func Stride() int { return weights + sides*len(Metrics) }

// NewUnits allocates zeroed units for n users, all new (no rating before the cutoff).
func NewUnits(users []int32) *Units {
	return &Units{Users: users, Returning: make([]bool, len(users)), data: make([]float64, len(users)*Stride())}
}

// Row returns user i's values: [weights..., A sums..., B sums..., bar sums...]. Callers
// may write it.
func (u *Units) Row(i int) []float64 { s := Stride(); return u.data[i*s : (i+1)*s] }

// Len is the number of users.
func (u *Units) Len() int { return len(u.Users) }

func aIdx(m int) int { return sideIdx(SideA, m) }
func bIdx(m int) int { return sideIdx(SideB, m) }

// sideIdx is the position of side's sum of metric m in a row.
func sideIdx(side, m int) int { return weights + side*len(Metrics) + m }

// Pair returns the units of side x against side y (x as A, y as B, no bar): the bar
// comparisons are Pair(SideA, SideBar) and Pair(SideB, SideBar).
func (u *Units) Pair(x, y int) *Units {
	out := NewUnits(slices.Clone(u.Users))
	copy(out.Returning, u.Returning)
	for i := range u.Users {
		src, dst := u.Row(i), out.Row(i)
		copy(dst[:weights], src[:weights])
		for m := range Metrics {
			dst[aIdx(m)], dst[bIdx(m)] = src[sideIdx(x, m)], src[sideIdx(y, m)]
		}
	}
	return out
}

// stat aggregates metric m from summed values.
func stat(m int, sumW, sum float64) float64 {
	if sumW == 0 {
		return math.NaN()
	}
	v := sum / sumW
	if Metrics[m].Kind == RootMean {
		return math.Sqrt(v)
	}
	return v
}

// Point returns A's and B's value of metric m over all users.
func (u *Units) Point(m int) (a, b float64) {
	var w, sa, sb float64
	for i := range u.Users {
		r := u.Row(i)
		w += r[Metrics[m].Weight]
		sa += r[aIdx(m)]
		sb += r[bIdx(m)]
	}
	return stat(m, w, sa), stat(m, w, sb)
}

// Diffs returns the per-user differences A − B of metric m for the users with weight in
// its group: the user's own metric (RMSE over the user's rows, say) under A minus under B.
func (u *Units) Diffs(m int) []float64 {
	var d []float64
	for i := range u.Users {
		r := u.Row(i)
		w := r[Metrics[m].Weight]
		if w == 0 {
			continue
		}
		d = append(d, stat(m, w, r[aIdx(m)])-stat(m, w, r[bIdx(m)]))
	}
	return d
}

// Merge returns the units of several comparisons summed per user (users sorted by id):
// the cumulative view over days.
func Merge(parts ...*Units) *Units {
	pos := map[int32]int{}
	var users []int32
	for _, p := range parts {
		for _, id := range p.Users {
			if _, ok := pos[id]; !ok {
				pos[id] = 0
				users = append(users, id)
			}
		}
	}
	slices.Sort(users)
	for i, id := range users {
		pos[id] = i
	}
	out := NewUnits(users)
	for _, p := range parts {
		for i, id := range p.Users {
			k := pos[id]
			dst, src := out.Row(k), p.Row(i)
			for j := range dst {
				dst[j] += src[j]
			}
			out.Returning[k] = out.Returning[k] || p.Returning[i]
		}
	}
	return out
}

// Subset returns the units of the users for which keep(i) is true, in order.
func (u *Units) Subset(keep func(i int) bool) *Units {
	s := Stride()
	out := &Units{}
	for i, id := range u.Users {
		if keep(i) {
			out.Users = append(out.Users, id)
			out.Returning = append(out.Returning, u.Returning[i])
			out.data = append(out.data, u.data[i*s:(i+1)*s]...)
		}
	}
	return out
}
