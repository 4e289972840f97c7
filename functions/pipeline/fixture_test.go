package main

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recpipe/recpipe/data/movielens"
	"github.com/recpipe/recpipe/functions/internal/etlday"
	"github.com/recpipe/recpipe/functions/internal/prepare"
	"github.com/recpipe/recpipe/functions/internal/traingpu"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/jobs"
)

// tinyConfigs are NCF and SS4Rec runs small enough to train on ml-latest-small in
// seconds (half a minute under the race detector): real models, not tuned ones.
var tinyConfigs = []traingpu.Config{
	{Model: "ncf", ConfigPath: "testdata/ncf-tiny.yaml", Promote: true},
	{Model: "ss4rec", ConfigPath: "testdata/ss4rec-tiny.yaml", Promote: true},
}

// stageEnv is the environment of a stage run outside the runtime.
func stageEnv(b blob.Bucket) *jobs.Env {
	return jobs.NewEnv(b, slog.New(slog.DiscardHandler), &jobs.Record{})
}

// fixture is a memory bucket holding the prepared ml-latest-small and the tiny NCF and
// SS4Rec champions, built once per test process by the stages' own code.
var fixture = sync.OnceValues(func() (*blob.Mem, error) {
	ctx := context.Background()
	b := blob.NewMem()
	if _, err := prepare.Run(ctx, stageEnv(b), prepare.DefaultConfig()); err != nil {
		return nil, err
	}
	for _, c := range tinyConfigs {
		if _, _, err := traingpu.Run(ctx, stageEnv(b), c, nil); err != nil {
			return nil, err
		}
	}
	return b, nil
})

// releaseDay releases day d of dataset's feed with etl-day's code.
func releaseDay(ctx context.Context, b blob.Bucket, dataset string, d int) error {
	c := etlday.DefaultConfig()
	c.Dataset, c.Day = dataset, d
	_, err := etlday.Run(ctx, stageEnv(b), c)
	return err
}

// writeFixture copies the fixture into b (prepared data first, champions last, as
// prepare and train-gpu would write them).
func writeFixture(t testing.TB, b blob.Bucket) {
	t.Helper()
	ctx := context.Background()
	t0 := time.Now()
	src, err := fixture()
	if err != nil {
		t.Fatal(err)
	}
	built := time.Since(t0)
	list, err := src.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var champions []string
	for _, a := range list {
		if isChampion(a.Key) {
			champions = append(champions, a.Key)
			continue
		}
		copyObject(t, src, b, a.Key)
	}
	for _, k := range champions {
		copyObject(t, src, b, k)
	}
	t.Logf("fixture: %s prepared and %d champions trained (%s), copied in %s", movielens.SmallName, len(champions),
		built.Round(time.Millisecond), (time.Since(t0) - built).Round(time.Millisecond))
}

func isChampion(key string) bool {
	return strings.HasSuffix(key, "/champion.json")
}

func copyObject(t testing.TB, src, dst blob.Bucket, key string) {
	t.Helper()
	ctx := context.Background()
	data, err := blob.ReadAll(ctx, src, key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := blob.PutBytes(ctx, dst, key, data, blob.PutOptions{}); err != nil {
		t.Fatal(err)
	}
}
