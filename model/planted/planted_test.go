package planted

import (
	"context"
	"errors"
	"testing"

	"github.com/recpipe/recpipe/model/scoring"
)

// testRMSE scores p on d's test rows under the history rule.
func testRMSE(t *testing.T, d *Data, p scoring.Predictor) float64 {
	t.Helper()
	sc, err := scoring.Evaluate(context.Background(), p, scoring.NewHistory(d.Train, d.Val, d.Test), d.Test, scoring.NewKnown(d.Train))
	if err != nil {
		t.Fatal(err)
	}
	return sc.All.RMSE
}

// Each shape plants an effect that needs time: the oracle beats the oracle-feature
// baseline, which beats the history-aware bias, and the same baseline without the
// times (BlindFeatureBaseline) stays more than 10% above it.
func TestShapesNeedTime(t *testing.T) {
	for _, s := range Shapes {
		t.Run(string(s), func(t *testing.T) {
			d, err := Generate(DefaultConfig(s, 1))
			if err != nil {
				t.Fatal(err)
			}
			feat, err := FeatureBaseline(s, d.Train)
			if err != nil {
				t.Fatal(err)
			}
			blind, err := BlindFeatureBaseline(s, d.Train)
			if err != nil {
				t.Fatal(err)
			}
			bases, err := scoring.Baselines(d.Train)
			if err != nil {
				t.Fatal(err)
			}
			o, f, b, h := testRMSE(t, d, d.Oracle()), testRMSE(t, d, feat), testRMSE(t, d, blind), testRMSE(t, d, bases[2])
			t.Logf("%s: oracle %.4f, oracle-feature %.4f, time-blind feature %.4f, history-aware bias %.4f (train %d, val %d, test %d rows)",
				s, o, f, b, h, len(d.Train), len(d.Val), len(d.Test))
			if !(o < f && f < h) {
				t.Errorf("want oracle < oracle-feature < history-aware bias")
			}
			if b <= 1.1*f {
				t.Errorf("the time-blind feature baseline %.4f is within 10%% of the oracle-feature baseline %.4f: the shape does not need time", b, f)
			}
		})
	}
}

func TestGenerateIsDeterministicAndSplit(t *testing.T) {
	a, err := Generate(DefaultConfig(Gap, 3))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(DefaultConfig(Gap, 3))
	if len(a.Train) != len(b.Train) || a.Test[7] != b.Test[7] {
		t.Fatal("the same config generated different data")
	}
	last := a.Train[len(a.Train)-1].Time
	for _, r := range a.Val {
		last = max(last, r.Time)
	}
	if a.Test[0].Time < last {
		t.Fatalf("a test row (t=%d) precedes a train or validation row (t=%d)", a.Test[0].Time, last)
	}
	if n := len(a.Train) + len(a.Val) + len(a.Test); len(a.Test) != (n*2+9)/10 {
		t.Fatalf("%d test rows of %d", len(a.Test), n)
	}
	if _, err := Generate(Config{Shape: "weekly"}); !errors.Is(err, ErrShape) {
		t.Fatalf("unknown shape: %v", err)
	}
}

func TestGapOffset(t *testing.T) {
	for _, tc := range []struct {
		gap  int64
		want float64
	}{{Day, 0}, {0, GapOffset(1)}} {
		if got := GapOffset(tc.gap); got != tc.want {
			t.Errorf("GapOffset(%d) = %v, want %v", tc.gap, got, tc.want)
		}
	}
	if !(GapOffset(60) > 0.9 && GapOffset(60*Day) < -0.8) {
		t.Errorf("GapOffset(1 min) = %v, GapOffset(60 days) = %v", GapOffset(60), GapOffset(60*Day))
	}
}
