package main

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recpipe/recpipe/data/movielens"
	"github.com/recpipe/recpipe/internal/blob"
)

// tinySpecs are NCF and SS4Rec runs small enough to train on ml-latest-small in
// seconds (half a minute under the race detector): real models, not tuned ones.
var tinySpecs = []trainSpec{
	{Model: "ncf", Config: []byte(`dataset: ml-latest-small
seed: 1
train: {epochs: 1, batch_size: 1024, lr: 0.005, patience: 1, keep_checkpoints: 1}
net: {gmf_dim: 4, mlp_dim: 4, tower: [8, 4], init_std: 0.01}
`)},
	{Model: "ss4rec", Config: []byte(`dataset: ml-latest-small
seed: 1
train: {epochs: 1, batch_size: 64, lr: 0.003, patience: 1, keep_checkpoints: 1}
net: {dim: 8, s5_states: 4, expand: 2, mamba_states: 4, blocks: 1, max_seq_len: 10, dropout: 0}
`)},
}

// fixture is a memory bucket holding the prepared ml-latest-small and the tiny NCF and
// SS4Rec champions, built once per test process.
var fixture = sync.OnceValues(func() (*blob.Mem, error) {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	b := blob.NewMem()
	if _, err := prepareShipped(ctx, b, log); err != nil {
		return nil, err
	}
	for _, spec := range tinySpecs {
		if _, _, err := trainChampion(ctx, b, spec, log, nil); err != nil {
			return nil, err
		}
	}
	return b, nil
})

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
