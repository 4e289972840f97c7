package workflows

import (
	"context"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"github.com/recpipe/recpipe/data/movielens"
	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/miniotest"
	_ "github.com/recpipe/recpipe/model/all" // both models can be trained
	"github.com/recpipe/recpipe/model/trainer"
)

// tinyConfigs train real NCF and SS4Rec champions on ml-latest-small in seconds (the
// same fixture as functions/pipeline's MinIO end-to-end test): not tuned models.
var tinyConfigs = map[string]string{
	"ncf": `dataset: ml-latest-small
seed: 1
train: {epochs: 1, batch_size: 1024, lr: 0.005, patience: 1, keep_checkpoints: 1}
net: {gmf_dim: 4, mlp_dim: 4, tower: [8, 4], init_std: 0.01}
`,
	"ss4rec": `dataset: ml-latest-small
seed: 1
train: {epochs: 1, batch_size: 64, lr: 0.003, patience: 1, keep_checkpoints: 1}
net: {dim: 8, s5_states: 4, expand: 2, mamba_states: 4, blocks: 1, max_seq_len: 10, dropout: 0}
`,
}

// minioFixtureBucket creates a bucket on the shared MinIO that scripts/with-minio.sh
// starts for make test (the test is skipped without one), prepares the shipped
// ml-latest-small into it, trains and promotes the tiny NCF and SS4Rec champions, and
// returns its bucket URL.
func minioFixtureBucket(t *testing.T) string {
	t.Helper()
	s := miniotest.Shared(t)
	name := s.NewBucket(t)
	b := blob.WithRetry(s.S3(t, name, ""), blob.DefaultRetryPolicy())
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	t0 := time.Now()
	if _, err := etl.Prepare(ctx, b, etl.Options{Dataset: movielens.SmallName, Shipped: movielens.SmallZip, Log: log}); err != nil {
		t.Fatal(err)
	}
	data := &trainer.Data{}
	var err error
	if data.Train, err = etl.ReadSplit(ctx, b, movielens.SmallName, etl.SplitTrain); err != nil {
		t.Fatal(err)
	}
	if data.Val, err = etl.ReadSplit(ctx, b, movielens.SmallName, etl.SplitVal); err != nil {
		t.Fatal(err)
	}
	if data.Test, err = etl.ReadSplit(ctx, b, movielens.SmallName, etl.SplitTest); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"ncf", "ss4rec"} {
		cfg, err := trainer.ParseConfig([]byte(tinyConfigs[m]), m, nil)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := trainer.TrainRun(ctx, b, cfg, data, trainer.RunOptions{Log: log})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := trainer.Promote(ctx, b, sum); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("fixture bucket %s: %s prepared, ncf and ss4rec champions trained in %s", name, movielens.SmallName, time.Since(t0).Round(time.Millisecond))
	q := url.Values{"endpoint": {s.Endpoint}, "region": {s.Region}}
	return "s3://" + name + "?" + q.Encode()
}
