package abtest

import (
	"math"
	"sort"
)

// RelevantAt is the relevance threshold of the ranking metrics: a row is relevant when
// its true rating is at least 4.0 (docs/design.md §Data protocol).
const RelevantAt = 4.0

// Ks are the cut-offs of the ranking metrics.
var Ks = []int{5, 10, 20}

// RMSE is the root mean squared error of pred against truth (NaN for no rows).
func RMSE(pred, truth []float64) float64 {
	if len(pred) == 0 {
		return math.NaN()
	}
	var s float64
	for i := range pred {
		d := pred[i] - truth[i]
		s += d * d
	}
	return math.Sqrt(s / float64(len(pred)))
}

// MAE is the mean absolute error of pred against truth (NaN for no rows).
func MAE(pred, truth []float64) float64 {
	if len(pred) == 0 {
		return math.NaN()
	}
	var s float64
	for i := range pred {
		s += math.Abs(pred[i] - truth[i])
	}
	return s / float64(len(pred))
}

// RankOrder returns the indices of score sorted by descending score; ties keep the
// order of tiebreak ascending (e.g. item ids), so the ranking is deterministic.
func RankOrder(score []float64, tiebreak []int32) []int {
	idx := make([]int, len(score))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool {
		i, j := idx[a], idx[b]
		if score[i] != score[j] {
			return score[i] > score[j]
		}
		return tiebreak[i] < tiebreak[j]
	})
	return idx
}

// DCG is the discounted cumulative gain of gains listed in rank order, cut at k
// (k <= 0: no cut): Σ_{i=1..k} gain_i / log2(i+1).
func DCG(gains []float64, k int) float64 {
	if k <= 0 || k > len(gains) {
		k = len(gains)
	}
	var s float64
	for i := 0; i < k; i++ {
		s += gains[i] / math.Log2(float64(i)+2)
	}
	return s
}

// NDCG is DCG of gains in rank order divided by the DCG of the same gains sorted in
// descending order (the ideal ranking), cut at k. It is 0 when no gain is positive.
func NDCG(gains []float64, k int) float64 {
	ideal := append([]float64(nil), gains...)
	sort.Sort(sort.Reverse(sort.Float64Slice(ideal)))
	idcg := DCG(ideal, k)
	if idcg <= 0 {
		return 0
	}
	return DCG(gains, k) / idcg
}

// TopK holds the ranking metrics of one user's list at one cut-off.
type TopK struct {
	Precision, Recall, NDCG, Hit float64
}

// RankAt computes Precision@k (hits in the top k over k), Recall@k (hits over all
// relevant items), NDCG@k with binary gains, and the hit rate (1 when any relevant item
// is in the top k) for a list whose relevance flags are given in rank order.
// ok is false when the list holds no relevant item (the user is left out).
func RankAt(relInRankOrder []bool, k int) (m TopK, ok bool) {
	total := 0
	gains := make([]float64, len(relInRankOrder))
	for i, r := range relInRankOrder {
		if r {
			total++
			gains[i] = 1
		}
	}
	if total == 0 {
		return TopK{}, false
	}
	hits := 0
	for i := 0; i < k && i < len(relInRankOrder); i++ {
		if relInRankOrder[i] {
			hits++
		}
	}
	m.Precision = float64(hits) / float64(k)
	m.Recall = float64(hits) / float64(total)
	m.NDCG = NDCG(gains, k)
	if hits > 0 {
		m.Hit = 1
	}
	return m, true
}
