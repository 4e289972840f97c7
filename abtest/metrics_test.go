package abtest

import (
	"math"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestRMSEMAEHandComputed(t *testing.T) {
	pred := []float64{3, 4, 5, 2}
	truth := []float64{4, 4, 3, 2}
	// errors -1, 0, 2, 0: squared 1+0+4+0 = 5 → √(5/4); absolute 3/4.
	if got, want := RMSE(pred, truth), math.Sqrt(5.0/4); !near(got, want, 1e-12) {
		t.Errorf("RMSE = %v, want %v", got, want)
	}
	if got := MAE(pred, truth); !near(got, 0.75, 1e-12) {
		t.Errorf("MAE = %v, want 0.75", got)
	}
	if !math.IsNaN(RMSE(nil, nil)) || !math.IsNaN(MAE(nil, nil)) {
		t.Error("empty input must give NaN")
	}
}

// NDCG against outside references.
func TestNDCGReferences(t *testing.T) {
	// scikit-learn's ndcg_score documentation example (sklearn.metrics.ndcg_score):
	// true_relevance = [10, 0, 0, 1, 5]; scores [.1, .2, .3, 4, 70] → 0.69...,
	// scores [.05, 1.1, 1., .5, .0] → 0.49..., and with k=4 → 0.35...
	rel := []float64{10, 0, 0, 1, 5}
	items := []int32{1, 2, 3, 4, 5}
	inOrder := func(score []float64) []float64 {
		var g []float64
		for _, i := range RankOrder(score, items) {
			g = append(g, rel[i])
		}
		return g
	}
	tests := []struct {
		name  string
		gains []float64
		k     int
		lo    float64 // documented value truncated: the result lies in [lo, lo+0.01)
	}{
		{"sklearn scores 1", inOrder([]float64{.1, .2, .3, 4, 70}), 0, 0.69},
		{"sklearn scores 2", inOrder([]float64{.05, 1.1, 1., .5, .0}), 0, 0.49},
		{"sklearn scores 2 k=4", inOrder([]float64{.05, 1.1, 1., .5, .0}), 4, 0.35},
		{"sklearn perfect k=4", inOrder(rel), 4, 1.0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NDCG(tt.gains, tt.k)
			if got < tt.lo-1e-12 || got >= tt.lo+0.01 {
				t.Fatalf("NDCG = %v, documented %v...", got, tt.lo)
			}
		})
	}
	// Wikipedia, "Discounted cumulative gain", worked example: relevances in rank order
	// 3, 2, 3, 0, 1, 2 give DCG6 = 6.861; with two more judged documents (3 and 2) the
	// ideal order 3,3,3,2,2,2 gives IDCG6 = 8.740 and nDCG6 = 0.785.
	wiki := []float64{3, 2, 3, 0, 1, 2}
	if got := DCG(wiki, 6); !near(got, 6.861, 5e-4) {
		t.Errorf("Wikipedia DCG6 = %v, want 6.861", got)
	}
	idcg := DCG([]float64{3, 3, 3, 2, 2, 2}, 6)
	if !near(idcg, 8.740, 5e-4) || !near(DCG(wiki, 6)/idcg, 0.785, 5e-4) {
		t.Errorf("Wikipedia IDCG6 = %v (want 8.740), nDCG6 = %v (want 0.785)", idcg, DCG(wiki, 6)/idcg)
	}
	// NDCG's own ideal is the listed gains sorted: 3,3,2,2,1,0.
	if got, want := NDCG(wiki, 6), 6.861/DCG([]float64{3, 3, 2, 2, 1, 0}, 6); !near(got, want, 1e-3) {
		t.Errorf("NDCG = %v, want %v", got, want)
	}
}

func TestRankAtHandComputed(t *testing.T) {
	// Rank order: relevant, not, relevant, not, not, relevant (3 relevant of 6).
	rel := []bool{true, false, true, false, false, true}
	tests := []struct {
		k    int
		want TopK
	}{
		// k=1: 1 hit; P=1, R=1/3, NDCG = 1/1.
		{1, TopK{Precision: 1, Recall: 1.0 / 3, NDCG: 1, Hit: 1}},
		// k=5: hits at 1,3: P=2/5, R=2/3, DCG = 1 + 1/log2(4) = 1.5, IDCG = 1 + 1/log2 3 + 1/2.
		{5, TopK{Precision: 0.4, Recall: 2.0 / 3, NDCG: 1.5 / (1.5 + 1/math.Log2(3)), Hit: 1}},
		// k=10 > list: P=3/10, R=1, DCG = 1.5 + 1/log2(7).
		{10, TopK{Precision: 0.3, Recall: 1, NDCG: (1.5 + 1/math.Log2(7)) / (1.5 + 1/math.Log2(3)), Hit: 1}},
	}
	for _, tt := range tests {
		got, ok := RankAt(rel, tt.k)
		if !ok {
			t.Fatalf("k=%d: user left out", tt.k)
		}
		if !near(got.Precision, tt.want.Precision, 1e-12) || !near(got.Recall, tt.want.Recall, 1e-12) ||
			!near(got.NDCG, tt.want.NDCG, 1e-12) || got.Hit != tt.want.Hit {
			t.Errorf("k=%d: got %+v, want %+v", tt.k, got, tt.want)
		}
	}
	if _, ok := RankAt([]bool{false, false}, 5); ok {
		t.Error("a list with no relevant item must be left out")
	}
	if m, _ := RankAt([]bool{false, false, true}, 2); m.Hit != 0 || m.NDCG != 0 {
		t.Errorf("miss in top 2: %+v", m)
	}
}

func TestRankOrderTies(t *testing.T) {
	got := RankOrder([]float64{3, 5, 3, 5}, []int32{40, 30, 10, 20})
	want := []int{3, 1, 2, 0} // 5 (item 20), 5 (item 30), 3 (item 10), 3 (item 40)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("RankOrder = %v, want %v", got, want)
		}
	}
}
