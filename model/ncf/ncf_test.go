package ncf

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/trainer"
)

// synth returns n ratings of nu users and ni items from a small latent-factor model,
// on the MovieLens half-step scale, in time order.
func synth(n, nu, ni int, seed uint64) []ratings.Rating {
	rng := rand.New(rand.NewPCG(seed, 7))
	ub, ib := make([]float64, nu), make([]float64, ni)
	uf, jf := make([][2]float64, nu), make([][2]float64, ni)
	for u := range ub {
		ub[u] = rng.NormFloat64() * 0.5
		uf[u] = [2]float64{rng.NormFloat64(), rng.NormFloat64()}
	}
	for i := range ib {
		ib[i] = rng.NormFloat64() * 0.5
		jf[i] = [2]float64{rng.NormFloat64(), rng.NormFloat64()}
	}
	rows := make([]ratings.Rating, n)
	for k := range rows {
		u, i := rng.IntN(nu), rng.IntN(ni)
		v := 3.5 + ub[u] + ib[i] + 0.5*(uf[u][0]*jf[i][0]+uf[u][1]*jf[i][1]) + rng.NormFloat64()*0.2
		v = math.Round(v*2) / 2
		v = min(max(v, 0.5), 5)
		rows[k] = ratings.Rating{User: int32(u + 1), Item: int32(i + 1), Rating: float32(v), Time: int64(1000 + k)}
	}
	return rows
}

func smallNet() *Net { return &Net{GMFDim: 4, MLPDim: 4, Tower: []int{8, 4}, InitStd: 0.1} }

// batchLoss is the mean squared error of the plain-Go forward over rows (no clamping).
func batchLoss(m *NCF, rows []ratings.Rating) float64 {
	s := newScratch(&m.net)
	var se float64
	for _, r := range rows {
		d := float64(m.score(s, m.users[r.User], m.items[r.Item], true, true)) - float64(r.Rating)
		se += d * d
	}
	return se / float64(len(rows))
}

func TestGraphMatchesPlainForwardAndFiniteDifferences(t *testing.T) {
	train := synth(200, 12, 15, 1)
	m, err := New(smallNet(), train, 3)
	if err != nil {
		t.Fatal(err)
	}
	ex := []int{0, 5, 9, 9, 17, 33, 80, 150} // a repeated example: its rows accumulate
	rows := make([]ratings.Rating, len(ex))
	for k, e := range ex {
		rows[k] = train[e]
	}
	for _, p := range m.params {
		p.ZeroGrad()
	}
	loss, err := m.Step(context.Background(), trainer.Batch{Examples: ex})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := loss.SumSq/float64(loss.Count), batchLoss(m, rows); math.Abs(got-want) > 1e-5 {
		t.Fatalf("graph loss %.7f, plain forward %.7f", got, want)
	}
	// Each parameter's gradient against central differences of the plain forward.
	const eps = 1e-3
	for _, p := range m.params {
		idx := []int{0, len(p.Value) / 2, len(p.Value) - 1}
		if p.Sparse { // rows the batch used
			c := p.Cols()
			r := int(p.Touched()[0])
			idx = []int{r * c, r*c + c - 1}
		}
		for _, j := range idx {
			old := p.Value[j]
			p.Value[j] = old + eps
			lp := batchLoss(m, rows)
			p.Value[j] = old - eps
			lm := batchLoss(m, rows)
			p.Value[j] = old
			num := (lp - lm) / (2 * eps)
			if got := float64(p.Grad[j]); math.Abs(got-num) > 2e-3+2e-2*math.Abs(num) {
				t.Errorf("%s[%d]: graph gradient %.6f, finite difference %.6f", p.Name, j, got, num)
			}
		}
	}
}

func TestModelBinRoundTrip(t *testing.T) {
	train := synth(300, 20, 25, 2)
	m, err := New(smallNet(), train, 5)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := scoring.Save(&buf, m); err != nil {
		t.Fatal(err)
	}
	p, err := scoring.Load(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	rows := append(synth(50, 25, 30, 9), ratings.Rating{User: 999, Item: 1}, ratings.Rating{User: 1, Item: 999})
	want, _ := m.Predict(context.Background(), nil, rows)
	got, err := p.Predict(context.Background(), nil, rows)
	if err != nil {
		t.Fatal(err)
	}
	for k := range want {
		if got[k] != want[k] {
			t.Fatalf("row %d: loaded model predicts %v, original %v", k, got[k], want[k])
		}
	}
	// A truncated file is an error, not a model.
	if _, err := scoring.Load(bytes.NewReader(buf.Bytes()[:buf.Len()-3])); err == nil {
		t.Error("Load of a truncated model.bin: want an error")
	}
}

func TestColdRowsFallBackToBiases(t *testing.T) {
	train := synth(100, 10, 10, 4)
	m, err := New(smallNet(), train, 1)
	if err != nil {
		t.Fatal(err)
	}
	m.ib.Value[m.items[train[0].Item]] = 0.25
	got, _ := m.Predict(context.Background(), nil, []ratings.Rating{{User: 999, Item: train[0].Item}, {User: 999, Item: 999}})
	if want := clamp(m.bias.Value[0] + 0.25); got[0] != want {
		t.Errorf("unseen user: %v, want bias+item bias %v", got[0], want)
	}
	if want := clamp(m.bias.Value[0]); got[1] != want {
		t.Errorf("unseen user and item: %v, want global bias %v", got[1], want)
	}
}

func TestCommittedConfigsParse(t *testing.T) {
	for _, f := range []string{"ncf.yaml", "ncf-demo.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "configs", f))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := trainer.ParseConfig(data, "", nil)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if cfg.Model != Name || cfg.Dataset != "ml-latest-small" {
			t.Errorf("%s: model %q dataset %q", f, cfg.Model, cfg.Dataset)
		}
	}
}

// TestPredictTwoCoresEqualsOne: Predict in two halves at once gives every row the bits
// of the one-core pass.
func TestPredictTwoCoresEqualsOne(t *testing.T) {
	defer func(n int) { predictParallelMin = n }(predictParallelMin)
	m, err := New(smallNet(), synth(300, 20, 25, 2), 5)
	if err != nil {
		t.Fatal(err)
	}
	rows := append(synth(50, 25, 30, 9), ratings.Rating{User: 999, Item: 1}, ratings.Rating{User: 1, Item: 999})
	predict := func(min int) []float32 {
		predictParallelMin = min
		p, err := m.Predict(context.Background(), nil, rows)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	one, two := predict(len(rows)+1), predict(1)
	for k := range one {
		if one[k] != two[k] {
			t.Fatalf("row %d: two cores %v, one core %v", k, two[k], one[k])
		}
	}
}
