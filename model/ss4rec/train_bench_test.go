package ss4rec_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/ratings"
	_ "github.com/recpipe/recpipe/model/ss4rec"
	"github.com/recpipe/recpipe/model/trainer"
)

// BenchmarkTrainMovieLens is the full training run behind the report's figures. It
// needs a prepared dataset: SS4REC_PREPARED=DIR (holding train.csv, val.csv,
// test.csv, as written by prepare). SS4REC_CONFIG picks the config (default
// configs/ss4rec.yaml), SS4REC_SET adds ';'-separated overrides and SS4REC_SUMMARY
// names a file for the run's summary.json, e.g.
//
//	SS4REC_PREPARED=data/prepared/ml-latest-small SS4REC_SET='net.time_blind=true' \
//	  go test ./model/ss4rec -run XXX -bench TrainMovieLens -benchtime 1x
func BenchmarkTrainMovieLens(b *testing.B) {
	dir := os.Getenv("SS4REC_PREPARED")
	if dir == "" {
		b.Skip("SS4REC_PREPARED not set")
	}
	read := func(name string) []ratings.Rating {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		rows, err := ratings.ReadAll(f, name)
		if err != nil {
			b.Fatal(err)
		}
		return rows
	}
	data := &trainer.Data{Train: read("train.csv"), Val: read("val.csv"), Test: read("test.csv")}
	cfgPath := os.Getenv("SS4REC_CONFIG")
	if cfgPath == "" {
		cfgPath = "../../configs/ss4rec.yaml"
	}
	file, err := os.ReadFile(cfgPath)
	if err != nil {
		b.Fatal(err)
	}
	var sets []string
	if s := os.Getenv("SS4REC_SET"); s != "" {
		sets = strings.Split(s, ";")
	}
	cfg, err := trainer.ParseConfig(file, "ss4rec", sets)
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	for b.Loop() {
		s, err := trainer.TrainRun(context.Background(), blob.NewMem(), cfg, data, trainer.RunOptions{Log: log})
		if err != nil {
			b.Fatal(err)
		}
		if out := os.Getenv("SS4REC_SUMMARY"); out != "" {
			data, err := blob.MarshalJSON(s)
			if err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(out, data, 0o644); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(s.Validation["ss4rec"].All.RMSE, "val_rmse")
		b.ReportMetric(s.Test["ss4rec"].All.RMSE, "test_rmse")
		b.ReportMetric(s.Test["history-aware-bias"].All.RMSE, "hab_test_rmse")
	}
}
