package retrain_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/etl/releasetest"
	"github.com/recpipe/recpipe/functions/internal/qualitycheck"
	"github.com/recpipe/recpipe/functions/internal/retrain"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/jobs"
	"github.com/recpipe/recpipe/jobs/event"
	"github.com/recpipe/recpipe/model/deploy"
	"github.com/recpipe/recpipe/model/ncf"
	"github.com/recpipe/recpipe/model/scoring"
)

// The retrain function as the runtime runs it: a day's A/B result writes the NCF
// version of the end of that day (its run record lists them); a day that failed its
// gate, and a configuration with nothing to refresh, are skips with the reason.
func TestRetrainEvents(t *testing.T) {
	ctx := context.Background()
	b := blob.NewMem()
	data := releasetest.Synthetic(1600, 200, 400, 5)
	if _, err := releasetest.Write(ctx, b, "fixture", data); err != nil {
		t.Fatal(err)
	}
	if _, err := (&etl.Releaser{Bucket: b, Dataset: "fixture"}).Simulate(ctx, 3); err != nil {
		t.Fatal(err)
	}
	key := layout.Batch(layout.Day(3))
	batch, _ := blob.ReadAll(ctx, b, key)
	blob.PutBytes(ctx, b, key, []byte(strings.Replace(string(batch), "\n", "\n999,1,6.0,1\n", 1)), blob.PutOptions{})
	qc := qualitycheck.Function(qualitycheck.Config{Dataset: "fixture"})
	for d := 1; d <= 3; d++ {
		env := jobs.NewEnv(b, slog.New(slog.DiscardHandler), &jobs.Record{})
		qc.OnEvent(ctx, env, jobs.ParseEvent(event.Object{Key: layout.ETLManifest(layout.Day(d))}))
	}
	m, err := ncf.New(ncf.DefaultNet(), data.Train, 1)
	if err != nil {
		t.Fatal(err)
	}
	var bin bytes.Buffer
	if err := scoring.Save(&bin, m); err != nil {
		t.Fatal(err)
	}
	champ := &scoring.Champion{Schema: scoring.ChampionSchema, Model: ncf.Name, Run: "r1", Dataset: "fixture",
		ModelKey: layout.ModelRunFile(ncf.Name, "r1", layout.RunModelName), SummaryKey: layout.ModelRunFile(ncf.Name, "r1", layout.RunSummaryName), ValRMSE: 1}
	doc, _ := blob.MarshalJSON(champ)
	blob.PutBytes(ctx, b, champ.ModelKey, bin.Bytes(), blob.PutOptions{})
	blob.PutBytes(ctx, b, layout.Champion(ncf.Name), doc, blob.PutOptions{})

	run := func(c retrain.Config, d int) (*jobs.Env, error) {
		env := jobs.NewEnv(b, slog.New(slog.DiscardHandler), &jobs.Record{})
		return env, retrain.Function(c).OnEvent(ctx, env, jobs.ParseEvent(event.Object{Key: layout.ABResult(layout.Day(d))}))
	}
	cfg := retrain.Config{Dataset: "fixture", ModelA: ncf.Name, ModelB: "baseline:history-aware-bias"}
	env, err := run(cfg, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{layout.DeployedFile(ncf.Name, 2, layout.RunModelName), layout.ModelVersion(ncf.Name, 2)}
	if !slices.Equal(env.Run.Outputs, want) {
		t.Errorf("day 2: outputs %v, want %v", env.Run.Outputs, want)
	}
	v, err := deploy.Read(ctx, b, layout.ModelVersion(ncf.Name, 2))
	if err != nil || !slices.Equal(v.DaysSeen, []int{1, 2}) || v.Parent != layout.ModelVersion(ncf.Name, 1) {
		t.Errorf("version of day 2: %+v, %v", v, err)
	}
	if env, err := run(cfg, 2); err != nil || len(env.Run.Outputs) != 0 {
		t.Errorf("day 2 again: outputs %v, %v", env.Run.Outputs, err)
	}
	if _, err := run(cfg, 3); !errors.Is(err, jobs.ErrSkip) || !strings.Contains(err.Error(), "success=false") {
		t.Errorf("day 3 (failed gate): %v", err)
	}
	bases := retrain.Config{Dataset: "fixture", ModelA: "baseline:user-item-bias", ModelB: "baseline:history-aware-bias"}
	if _, err := run(bases, 1); !errors.Is(err, jobs.ErrSkip) || !strings.Contains(err.Error(), "no refreshable model") {
		t.Errorf("baselines only: %v", err)
	}
}
