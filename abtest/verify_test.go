package abtest

import (
	"bytes"
	"context"
	"math"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/ratings"
	_ "github.com/recpipe/recpipe/model/all" // decode any saved model
	"github.com/recpipe/recpipe/model/scoring"
)

// TestVerifyBucket recomputes, independently of the evaluation code, the numbers that
// ab-eval wrote to a real bucket (after the 20-day simulation and ab-eval --all):
// every model's RMSE and MAE per day and cumulatively, and Precision@10 and NDCG@10 of
// A and B, from the prepared splits, the released batches and the saved champions.
//
//	AB_VERIFY_BUCKET=file://$PWD/data go test ./abtest -run TestVerifyBucket -v
func TestVerifyBucket(t *testing.T) {
	url := os.Getenv("AB_VERIFY_BUCKET")
	if url == "" {
		t.Skip("set AB_VERIFY_BUCKET to a bucket that ab-eval --all has written")
	}
	ctx := context.Background()
	b, err := blob.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var sum Summary
	if err := blob.ReadJSON(ctx, b, layout.ABSummary, &sum); err != nil {
		t.Fatal(err)
	}
	csv := func(key string) []ratings.Rating {
		data, err := blob.ReadAll(ctx, b, key)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := ratings.ReadAll(bytes.NewReader(data), key)
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	train := csv(layout.Prepared(sum.Dataset, layout.TrainName))
	val := csv(layout.Prepared(sum.Dataset, layout.ValName))
	base, err := scoring.Baselines(train)
	if err != nil {
		t.Fatal(err)
	}
	load := func(spec string) scoring.Predictor {
		if name, ok := strings.CutPrefix(spec, BaselinePrefix); ok {
			for _, p := range base {
				if p.Name() == name {
					return p
				}
			}
			t.Fatalf("unknown baseline %s", spec)
		}
		p, _, err := scoring.LoadPredictor(ctx, b, spec)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	preds := append([]scoring.Predictor{load(sum.Models.A.Spec), load(sum.Models.B.Spec)}, base...)
	se := make([]float64, len(preds))
	var rows float64
	var p10, n10 [2][]float64
	for _, dt := range sum.Days {
		if !dt.InCumulative {
			continue
		}
		res := readResult(t, b, dt.Day)
		sets := [][]ratings.Rating{train, val}
		for _, h := range res.HistoryDays {
			sets = append(sets, csv(layout.Batch(layout.Day(h))))
		}
		day := csv(layout.Batch(layout.Day(dt.Day)))
		hist := scoring.NewHistory(sets...)
		for i, p := range preds {
			out, err := p.Predict(ctx, hist, day)
			if err != nil {
				t.Fatal(err)
			}
			var dse, dae float64
			for j, r := range day {
				e := float64(out[j]) - float64(r.Rating)
				dse += e * e
				dae += math.Abs(e)
			}
			m := res.Metrics[i]
			if m.Name != p.Name() {
				t.Fatalf("day %d: metrics[%d] is %s, recomputing %s", dt.Day, i, m.Name, p.Name())
			}
			n := float64(len(day))
			if !near(m.RMSE, math.Sqrt(dse/n), 1e-9) || !near(m.MAE, dae/n, 1e-9) {
				t.Errorf("day %d %s: RMSE %v MAE %v, recomputed %v %v", dt.Day, m.Name, m.RMSE, m.MAE, math.Sqrt(dse/n), dae/n)
			}
			se[i] += dse
			if i < 2 {
				p, g := plainRanking(day, out)
				p10[i], n10[i] = append(p10[i], p...), append(n10[i], g...)
			}
		}
		rows += float64(len(day))
	}
	for i, m := range sum.Cumulative.Metrics {
		if want := math.Sqrt(se[i] / rows); !near(m.RMSE, want, 1e-9) {
			t.Errorf("cumulative %s RMSE %v, recomputed %v", m.Name, m.RMSE, want)
		}
		if i < 2 {
			if got, want := m.Ranking["precision@10"], mean(p10[i]); !near(got, want, 1e-9) {
				t.Errorf("cumulative %s P@10 %v, recomputed %v", m.Name, got, want)
			}
			if got, want := m.Ranking["ndcg@10"], mean(n10[i]); !near(got, want, 1e-9) {
				t.Errorf("cumulative %s NDCG@10 %v, recomputed %v", m.Name, got, want)
			}
		}
		t.Logf("%-20s %-8s RMSE %.4f (recomputed %.4f)", m.Name, m.Role, m.RMSE, math.Sqrt(se[i]/rows))
	}
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// plainRanking computes Precision@10 and NDCG@10 (binary gains) per user with a
// relevant row, written out without the package's helpers.
func plainRanking(rows []ratings.Rating, pred []float32) (p10, ndcg10 []float64) {
	byUser := map[int32][]int{}
	for i, r := range rows {
		byUser[r.User] = append(byUser[r.User], i)
	}
	for _, idx := range byUser {
		rel := 0
		for _, i := range idx {
			if rows[i].Rating >= 4 {
				rel++
			}
		}
		if rel == 0 {
			continue
		}
		sort.Slice(idx, func(a, b int) bool {
			if pred[idx[a]] != pred[idx[b]] {
				return pred[idx[a]] > pred[idx[b]]
			}
			return rows[idx[a]].Item < rows[idx[b]].Item
		})
		var hits, dcg, idcg float64
		for k := 0; k < 10 && k < len(idx); k++ {
			if rows[idx[k]].Rating >= 4 {
				hits++
				dcg += 1 / math.Log2(float64(k)+2)
			}
			if k < rel {
				idcg += 1 / math.Log2(float64(k)+2)
			}
		}
		p10, ndcg10 = append(p10, hits/10), append(ndcg10, dcg/idcg)
	}
	return p10, ndcg10
}
