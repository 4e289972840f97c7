package planted

import (
	"context"
	"testing"

	"github.com/recpipe/recpipe/model/scoring"
)

func TestShapesSummary(t *testing.T) {
	for _, s := range Shapes {
		d, err := Generate(DefaultConfig(s, 1))
		if err != nil {
			t.Fatal(err)
		}
		fb, err := FeatureBaseline(s, d.Train)
		if err != nil {
			t.Fatal(err)
		}
		bases, _ := scoring.Baselines(d.Train)
		k := scoring.NewKnown(d.Train)
		h := scoring.NewHistory(d.Train, d.Val, d.Test)
		for _, p := range append([]scoring.Predictor{d.Oracle(), fb}, bases...) {
			sc, err := scoring.Evaluate(context.Background(), p, h, d.Test, k)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%-7s %-22s test RMSE %.4f (n=%d; train %d val %d)", s, p.Name(), sc.All.RMSE, sc.All.N, len(d.Train), len(d.Val))
		}
	}
}
