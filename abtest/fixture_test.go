package abtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/internal/schemas"
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/quality"
)

// constPred predicts the same value for every row.
type constPred struct {
	name string
	v    float32
}

func (c constPred) Name() string { return c.name }
func (c constPred) Predict(_ context.Context, _ *scoring.History, rows []ratings.Rating) ([]float32, error) {
	out := make([]float32, len(rows))
	for i := range out {
		out[i] = c.v
	}
	return out, nil
}

// userMeanPred predicts the mean of the user's ratings strictly before the row (3 when none).
type userMeanPred struct{ name string }

func (p userMeanPred) Name() string { return p.name }
func (p userMeanPred) Predict(_ context.Context, h *scoring.History, rows []ratings.Rating) ([]float32, error) {
	out := make([]float32, len(rows))
	for i, r := range rows {
		past := h.Before(r.User, r.Time)
		if len(past) == 0 {
			out[i] = 3
			continue
		}
		var s float32
		for _, x := range past {
			s += x.Rating
		}
		out[i] = s / float32(len(past))
	}
	return out, nil
}

// fixture is a small bucket: a prepared dataset "tiny", five released days (day 3's
// quality report fails), and champions for models "alpha" and "beta".
type fixture struct {
	b       *blob.Mem
	train   []ratings.Rating
	val     []ratings.Rating
	days    map[int][]ratings.Rating
	preds   map[string]scoring.Predictor
	failDay int
}

const fixtureDays = 5

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{b: blob.NewMem(), days: map[int][]ratings.Rating{}, failDay: 3,
		preds: map[string]scoring.Predictor{"alpha": constPred{"alpha-const", 3.0}, "beta": userMeanPred{"beta-usermean"}}}
	rng := rand.New(rand.NewPCG(3, 4))
	bias := map[int32]float64{}
	rate := func(u int32) float32 {
		v := 3.2 + bias[u] + rng.NormFloat64()*0.6
		v = math.Round(v*2) / 2
		return float32(math.Min(5, math.Max(0.5, v)))
	}
	for u := int32(1); u <= 30; u++ {
		bias[u] = rng.NormFloat64() * 0.9
	}
	ts := int64(1_000_000)
	for u := int32(1); u <= 20; u++ { // users 21..30 are cold: unseen in train
		for k := 0; k < 12; k++ {
			ts += 7
			r := ratings.Rating{User: u, Item: int32(1 + rng.IntN(50)), Rating: rate(u), Time: ts}
			if k < 10 {
				f.train = append(f.train, r)
			} else {
				f.val = append(f.val, r)
			}
		}
	}
	for d := 1; d <= fixtureDays; d++ {
		for k := 0; k < 90; k++ {
			ts += int64(1 + rng.IntN(3)) // some rows share a second
			u := int32(1 + rng.IntN(30))
			f.days[d] = append(f.days[d], ratings.Rating{User: u, Item: int32(1 + rng.IntN(60)), Rating: rate(u), Time: ts})
		}
	}
	put := func(key string, data []byte) {
		if _, err := blob.PutBytes(ctx, f.b, key, data, blob.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	put(layout.Prepared("tiny", layout.TrainName), ratings.Encode(f.train))
	put(layout.Prepared("tiny", layout.ValName), ratings.Encode(f.val))
	putDoc := func(key string, v any) {
		data, err := blob.MarshalJSON(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := schemas.Validate(data); err != nil {
			t.Fatalf("fixture %s breaks its schema: %v", key, err)
		}
		put(key, data)
	}
	for d := 1; d <= fixtureDays; d++ {
		batch := ratings.Encode(f.days[d])
		put(layout.Batch(layout.Day(d)), batch)
		put(layout.Rejected(layout.Day(d)), nil)
		m := fixtureManifest(d, batch, f.days[d])
		putDoc(layout.ETLManifest(layout.Day(d)), m)
		putDoc(layout.QualityReport(layout.Day(d)), fixtureReport(m, d != f.failDay))
	}
	for name, run := range map[string]string{"alpha": "r1", "beta": "r7"} {
		putDoc(layout.Champion(name), f.champion(t, name, run))
	}
	return f
}

// champion is the champion document of a fixture model, with its scores measured as
// training measures them: validation with train as history, and the fixture's days as
// the test rows with train and validation as history.
func (f *fixture) champion(t testing.TB, name, run string) *scoring.Champion {
	ctx := context.Background()
	p, known := f.preds[name], scoring.NewKnown(f.train)
	val, err := scoring.Evaluate(ctx, p, scoring.NewHistory(f.train), f.val, known)
	if err != nil {
		t.Fatal(err)
	}
	var feed []ratings.Rating
	for d := 1; d <= fixtureDays; d++ {
		feed = append(feed, f.days[d]...)
	}
	test, err := scoring.Evaluate(ctx, p, scoring.NewHistory(f.train, f.val), feed, known)
	if err != nil {
		t.Fatal(err)
	}
	return &scoring.Champion{Schema: scoring.ChampionSchema, Model: name, Run: run, Dataset: "tiny",
		ModelKey: layout.ModelRunFile(name, run, layout.RunModelName), SummaryKey: layout.ModelRunFile(name, run, layout.RunSummaryName),
		ValRMSE: val.All.RMSE, ValMAE: val.All.MAE, TestRMSE: test.All.RMSE}
}

// fixtureManifest is the etl marker of a fixture day: what etl-day would write for
// the batch (the fixture has no prepared manifest or test split: ab-eval reads neither,
// so the source names them without content).
func fixtureManifest(d int, batch []byte, rows []ratings.Rating) *etl.DayManifest {
	none := sha256.Sum256(nil)
	return &etl.DayManifest{Schema: etl.DayManifestSchema, Dataset: "tiny", Day: d, Days: etl.Days,
		Source: etl.DaySource{ManifestKey: layout.PreparedManifest("tiny"), ManifestSHA256: hex.EncodeToString(none[:]),
			TestKey: layout.Prepared("tiny", layout.TestName)},
		PlannedRows: len(rows), Rows: len(rows), RejectReasons: map[string]int{},
		TimeRange: etl.TimeRange{Min: rows[0].Time, Max: rows[len(rows)-1].Time},
		Batch:     objectRef(layout.Batch(layout.Day(d)), batch), RejectedRows: objectRef(layout.Rejected(layout.Day(d)), nil)}
}

func objectRef(key string, data []byte) etl.ObjectRef {
	sum := sha256.Sum256(data)
	return etl.ObjectRef{Key: key, SHA256: hex.EncodeToString(sum[:]), Bytes: int64(len(data))}
}

// fixtureReport is a quality report of a fixture day with two error-severity checks;
// the volume check fails on a day that must not pass.
func fixtureReport(m *etl.DayManifest, ok bool) *quality.Report {
	r := &quality.Report{Schema: quality.ReportSchema, Dataset: m.Dataset, Day: m.Day, Success: ok,
		Results: []quality.Result{
			{Check: quality.CheckValidityRating, Severity: quality.Error, Success: true, ObservedValue: 0, Threshold: 0},
			{Check: quality.CheckVolume, Severity: quality.Error, Success: ok, ObservedValue: m.Rows, Threshold: m.PlannedRows},
		},
		Metrics: quality.Metrics{},
		Inputs: quality.ReportInputs{DayManifestKey: layout.ETLManifest(layout.Day(m.Day)), BatchSHA256: m.Batch.SHA256,
			PreparedManifestSHA256: m.Source.ManifestSHA256, ThresholdsSHA256: quality.DefaultThresholds().SHA256, HistoryDays: []int{}}}
	r.Statistics = quality.Statistics{Evaluated: 2, Successful: 1, Unsuccessful: 1, SuccessPercent: 50, FailedErrors: 1}
	if ok {
		r.Statistics = quality.Statistics{Evaluated: 2, Successful: 2, SuccessPercent: 100}
	}
	return r
}

func (f *fixture) evaluator(a, b string) *Evaluator {
	opt := DefaultOptions()
	opt.Dataset, opt.ModelA, opt.ModelB = "tiny", a, b
	opt.Load = func(_ context.Context, _ blob.Bucket, name string) (scoring.Predictor, *scoring.Champion, error) {
		p, ok := f.preds[name]
		if !ok {
			return nil, nil, fmt.Errorf("no model %q: %w", name, blob.ErrNotFound)
		}
		return p, &scoring.Champion{Model: name, Dataset: "tiny"}, nil
	}
	return &Evaluator{Bucket: f.b, Opt: opt, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}
