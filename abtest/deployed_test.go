package abtest

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/blob/blobtest"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/internal/schemas"
	"github.com/recpipe/recpipe/model/deploy"
	"github.com/recpipe/recpipe/model/ncf"
	"github.com/recpipe/recpipe/model/scoring"
)

// sentinelUser rates only in day 5: a user the champion never saw.
const sentinelUser = 777

// deployedFixture is the fixture with an NCF champion "ncf" and a sentinel user whose
// only ratings are two rows of day 5 (rated 5: far from the fixture's mean).
func deployedFixture(t *testing.T) *fixture {
	t.Helper()
	f := scoredFixture(t)
	// The retrain step, as the A/B results' events run it (ab-eval wrote the versions
	// of days 1, 2 and 4 it needed; day 5's is the retrain step's alone).
	if _, err := f.evaluator("ncf", "beta").RetrainAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	return f
}

// scoredFixture is deployedFixture before the retrain step ran: every day scored.
func scoredFixture(t *testing.T) *fixture {
	t.Helper()
	f := ncfFixture(t)
	if _, err := f.evaluator("ncf", "beta").RunAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	return f
}

// ncfFixture is scoredFixture before any day is scored.
func ncfFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t)
	m, err := ncf.New(ncf.DefaultNet(), f.train, 1)
	if err != nil {
		t.Fatal(err)
	}
	f.preds["ncf"] = m
	day := f.days[5]
	last := day[len(day)-1].Time
	f.days[5] = append(day, ratings.Rating{User: sentinelUser, Item: 5, Rating: 5, Time: last + 1},
		ratings.Rating{User: sentinelUser, Item: 6, Rating: 5, Time: last + 2})
	batch := ratings.Encode(f.days[5])
	man := fixtureManifest(5, batch, f.days[5])
	for key, v := range map[string]any{layout.ETLManifest(layout.Day(5)): man, layout.QualityReport(layout.Day(5)): fixtureReport(man, true),
		layout.Champion("ncf"): f.champion(t, "ncf", "r3")} {
		data, err := blob.MarshalJSON(v)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := blob.PutBytes(ctx, f.b, key, data, blob.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := blob.PutBytes(ctx, f.b, layout.Batch(layout.Day(5)), batch, blob.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	return f
}

// No version used to score day d+1 saw a row of day d+1: the sentinel user of day 5 is
// in no version's lineage before day 5 and changes no prediction of the version that
// scored day 5, while the version of day 5 (which saw it) predicts the user otherwise.
func TestDeployedVersionsNeverSeeTheScoredDay(t *testing.T) {
	ctx := context.Background()
	f := deployedFixture(t)
	for _, d := range []int{1, 2, 4, 5} {
		r := readResult(t, f.b, d)
		var names []string
		for _, m := range r.Metrics {
			names = append(names, m.Name)
		}
		if !slices.Contains(names, "ncf"+FrozenSuffix) {
			t.Errorf("day %d: no frozen reference row in %v", d, names)
		}
		if d == 1 {
			if len(r.Versions) != 0 {
				t.Errorf("day 1 is scored by the champion, got versions %v", r.Versions)
			}
			continue
		}
		prev := d - 1
		if prev == f.failDay {
			prev-- // no retrain after a failed gate: the version before it stays deployed
		}
		if len(r.Versions) != 1 || r.Versions[0].Key != layout.ModelVersion("ncf", layout.Day(prev)) {
			t.Fatalf("day %d scored by %v, want the version of day %d", d, r.Versions, prev)
		}
		v, err := deploy.Read(ctx, f.b, r.Versions[0].Key)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Max(append([]int{0}, v.DaysSeen...)) >= d || slices.Contains(v.DaysSeen, f.failDay) {
			t.Errorf("day %d scored by a version that saw days %v", d, v.DaysSeen)
		}
		for _, in := range v.Inputs {
			if in.Key == layout.Batch(layout.Day(d)) {
				t.Errorf("day %d scored by a version whose inputs hold its batch", d)
			}
		}
	}
	for d := 1; d <= 5; d++ {
		data, err := blob.ReadAll(ctx, f.b, layout.ModelVersion("ncf", layout.Day(d)))
		if d == f.failDay {
			if err == nil {
				t.Errorf("day %d failed its gate but has a version", d)
			}
			continue
		}
		if err != nil {
			t.Fatalf("day %d: %v", d, err)
		}
		if err := schemas.Validate(data); err != nil {
			t.Errorf("version of day %d: %v", d, err)
		}
	}
	// Predictions: the version that scored day 5 predicts the sentinel as the
	// champion predicts any unseen user; the version of day 5 learned from it.
	probe := []ratings.Rating{{User: sentinelUser, Item: 5, Time: 1 << 40}, {User: 123456, Item: 5, Time: 1 << 40}}
	load := func(d int) []float32 {
		p, err := loadVersion(ctx, f.b, d)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := p.Predict(ctx, nil, probe)
		return out
	}
	before, after := load(4), load(5)
	if before[0] != before[1] {
		t.Errorf("the version of day 4 predicts the sentinel user %v, an unseen user %v: it saw day 5", before[0], before[1])
	}
	if after[0] <= before[0] {
		t.Errorf("the version of day 5 predicts the sentinel (rated 5) %v, not above %v: fold-in did not see day 5", after[0], before[0])
	}
}

func loadVersion(ctx context.Context, b blob.Bucket, d int) (scoring.Predictor, error) {
	rc, err := b.Get(ctx, layout.DeployedFile("ncf", layout.Day(d), layout.RunModelName))
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return scoring.Load(rc)
}

// A rerun of the whole life, on another bucket, writes byte-identical versions, and a
// rerun on the same bucket writes nothing.
func TestDeployedVersionsRerunIdentical(t *testing.T) {
	ctx := context.Background()
	a, b := deployedFixture(t), deployedFixture(t)
	va, vb := blobtest.Objects(t, a.b, layout.DeployedPrefix), blobtest.Objects(t, b.b, layout.DeployedPrefix)
	if len(va) != 8 { // days 1, 2, 4, 5: model.bin and version.json
		t.Fatalf("%d deployed objects: %v", len(va), slices.Sorted(maps.Keys(va)))
	}
	if !maps.EqualFunc(va, vb, bytes.Equal) {
		t.Error("two runs of the same life wrote different versions")
	}
	before := blobtest.Objects(t, a.b, "")
	if _, err := a.evaluator("ncf", "beta").RunAll(ctx); err != nil {
		t.Fatal(err)
	}
	if !maps.EqualFunc(before, blobtest.Objects(t, a.b, ""), bytes.Equal) {
		t.Error("a rerun changed the bucket")
	}
}

// The retrain step writes the version of a day that passed its gate, whichever day's
// event comes first, and none for a day that failed it; scoring a day writes no
// version of that day.
func TestRetrainStep(t *testing.T) {
	ctx := context.Background()
	f := scoredFixture(t)
	last := layout.ModelVersion("ncf", layout.Day(5))
	if ok, _ := blob.Exists(ctx, f.b, last); ok {
		t.Fatalf("ab-eval wrote %s while scoring day 5", last)
	}
	e := f.evaluator("ncf", "beta")
	done, err := e.RetrainOnKey(ctx, layout.Key{Kind: layout.KindABResult, Day: layout.Day(f.failDay)})
	if err != nil || len(done) != 0 || len(e.Skipped) != 1 || !strings.Contains(e.Skipped[0], "success=false") {
		t.Fatalf("retrain after the failed day %d: done %v, skipped %q, %v", f.failDay, done, e.Skipped, err)
	}
	if ok, _ := blob.Exists(ctx, f.b, layout.ModelVersion("ncf", layout.Day(f.failDay))); ok {
		t.Errorf("a version of the failed day %d", f.failDay)
	}
	if done, err := e.RetrainOnKey(ctx, layout.Key{Kind: layout.KindABResult, Day: 5}); err != nil || !slices.Equal(done, []int{5}) {
		t.Fatalf("retrain after day 5: %v, %v", done, err)
	}
	v, err := deploy.Read(ctx, f.b, last)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(v.DaysSeen, []int{1, 2, 4, 5}) || v.Parent != layout.ModelVersion("ncf", 4) {
		t.Errorf("version of day 5: days seen %v, parent %s", v.DaysSeen, v.Parent)
	}
	// Day 2's version, retrained after day 5's: identical bytes, nothing written.
	before := blobtest.Objects(t, f.b, layout.DeployedPrefix)
	if _, err := e.Retrain(ctx, []int{2}); err != nil {
		t.Fatal(err)
	}
	if after := blobtest.Objects(t, f.b, layout.DeployedPrefix); !maps.EqualFunc(before, after, bytes.Equal) {
		t.Error("retraining day 2 again changed deployed/")
	}
}

// Under a full-refresh schedule of every 2 days, the version of day d folds in from a
// base fully retrained (the champion's run config) at the end of day FullRefreshDay(d)
// on train and the passing days up to it: never a day after d. Versions record the
// schedule and their base's day; a rerun writes the same bytes.
func TestFullRefreshSchedule(t *testing.T) {
	ctx := context.Background()
	f := ncfFixture(t)
	cfg := "model: ncf\ndataset: tiny\nseed: 1\ntrain: {epochs: 2, batch_size: 64, lr: 0.01, patience: 1, keep_checkpoints: 1}\nnet: {gmf_dim: 4, mlp_dim: 4, tower: [8, 4], init_std: 0.01}\n"
	if _, err := blob.PutBytes(ctx, f.b, layout.ModelRunFile("ncf", "r3", layout.RunConfigName), []byte(cfg), blob.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	evaluator := func() *Evaluator {
		e := f.evaluator("ncf", "beta")
		load := e.Opt.Load
		e.Opt.Load = func(ctx context.Context, b blob.Bucket, name string) (scoring.Predictor, *scoring.Champion, error) {
			p, c, err := load(ctx, b, name)
			if c != nil {
				c.Run = "r3"
			}
			return p, c, err
		}
		e.Opt.FullRefreshEvery = 2
		return e
	}
	if _, err := evaluator().RunAll(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := evaluator().RetrainAll(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[int]int{1: 0, 2: 2, 4: 4, 5: 4} // day 3 failed its gate: no version
	for d, full := range want {
		data, err := blob.ReadAll(ctx, f.b, layout.ModelVersion("ncf", layout.Day(d)))
		if err != nil {
			t.Fatalf("day %d: %v", d, err)
		}
		if err := schemas.Validate(data); err != nil {
			t.Errorf("version of day %d: %v", d, err)
		}
		v, err := deploy.Read(ctx, f.b, layout.ModelVersion("ncf", layout.Day(d)))
		if err != nil {
			t.Fatal(err)
		}
		refresh := map[bool]string{false: deploy.RefreshFoldIn, true: deploy.RefreshFull}[full > 0]
		if v.Config.FullRefreshEvery != 2 || v.Config.FullRefreshDay != full || v.Config.Refresh != refresh || v.Config.FullRefreshDay > d {
			t.Errorf("version of day %d: config %+v, want refresh %s from the base of day %d", d, v.Config, refresh, full)
		}
	}
	// The base of day 2 is not the champion: the versions of days 1 and 2 differ in
	// what they predict for a user both have seen alike (user 1: train only).
	probe := []ratings.Rating{{User: 1, Item: 2, Time: 1 << 40}}
	one, two := predictVersion(t, f.b, 1, probe), predictVersion(t, f.b, 2, probe)
	if one[0] == two[0] {
		t.Errorf("versions of days 1 and 2 predict user 1 alike (%v): no full refresh", one[0])
	}
	before := blobtest.Objects(t, f.b, layout.DeployedPrefix)
	if _, err := evaluator().RetrainAll(ctx); err != nil {
		t.Fatal(err)
	}
	if after := blobtest.Objects(t, f.b, layout.DeployedPrefix); !maps.EqualFunc(before, after, bytes.Equal) {
		t.Error("a rerun under the full-refresh schedule changed deployed/")
	}
}

func predictVersion(t *testing.T, b blob.Bucket, d int, rows []ratings.Rating) []float32 {
	t.Helper()
	p, err := loadVersion(context.Background(), b, d)
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Predict(context.Background(), nil, rows)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A stored version is served as stored when it is the version Build computes (its
// model predicting as the one built), and built again, and rewritten, when its
// model.bin or its document is damaged; the outputs stay the same bytes.
func TestStoredVersionReused(t *testing.T) {
	ctx := context.Background()
	f := scoredFixture(t)
	e := f.evaluator("ncf", "beta")
	e.NoCache = true
	st, err := e.load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []int{1, 2} {
		if err := e.addBatch(ctx, st, h); err != nil {
			t.Fatal(err)
		}
	}
	c, data := st.deployed[0].Champ, e.deployData(st, 2)
	m, _, _, err := deploy.Stored(ctx, f.b, c, data, 1)
	if err != nil || m == nil {
		t.Fatalf("the version of day 1 not reused: %v", err)
	}
	built, _, _, err := deploy.Build(ctx, c, data, 1)
	if err != nil {
		t.Fatal(err)
	}
	rows := f.days[2]
	pm, _ := m.Predict(ctx, nil, rows)
	pb, _ := built.Predict(ctx, nil, rows)
	if !slices.Equal(pm, pb) {
		t.Error("the stored version predicts otherwise than the one built")
	}

	want := blobtest.Objects(t, f.b, "")
	bin1 := layout.DeployedFile("ncf", 1, layout.RunModelName)
	doc1 := layout.ModelVersion("ncf", 1)
	damage := map[string]func(){
		"model.bin of another day": func() {
			other, _ := blob.ReadAll(ctx, f.b, layout.DeployedFile("ncf", 2, layout.RunModelName))
			blob.PutBytes(ctx, f.b, bin1, other, blob.PutOptions{})
		},
		"fit RMSE": func() {
			doc, _ := blob.ReadAll(ctx, f.b, doc1)
			blob.PutBytes(ctx, f.b, doc1, bytes.Replace(doc, []byte(`"fit_rmse": `), []byte(`"fit_rmse": 1`), 1), blob.PutOptions{})
		},
	}
	for name, spoil := range damage {
		spoil()
		if m, _, _, err := deploy.Stored(ctx, f.b, c, data, 1); err != nil || m != nil {
			t.Errorf("%s: a damaged version reused (%v)", name, err)
		}
		dropOutputs(t, f.b)
		if _, err := f.evaluator("ncf", "beta").RunAll(ctx); err != nil {
			t.Fatal(err)
		}
		got := blobtest.Objects(t, f.b, "")
		for k, w := range want {
			if !bytes.Equal(got[k], w) {
				t.Errorf("%s: %s differs after the rerun", name, k)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d objects after the rerun, were %d", name, len(got), len(want))
		}
	}
}
