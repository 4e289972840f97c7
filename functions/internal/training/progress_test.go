package training

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/model/trainer"
)

func TestLogProgressReportsPeriodically(t *testing.T) {
	var buf bytes.Buffer
	p := &logProgress{log: slog.New(slog.NewTextHandler(&buf, nil)), every: 0}
	p.StartEpoch(2, 5, 10)
	p.Batch(3, 0.81)
	p.EndEpoch(trainer.EpochMetrics{ValRMSE: 0.9})
	if got := buf.String(); !strings.Contains(got, "epoch=2 batch=3 of=10 batch_mse=0.81") || !strings.Contains(got, "val_rmse=0.9") {
		t.Errorf("progress line %q", got)
	}
	buf.Reset()
	p.every = 1 << 62 // never due
	p.Batch(4, 0.8)
	if buf.Len() != 0 {
		t.Errorf("logged before the period: %q", buf.String())
	}
	bar := &barProgress{}
	bar.StartEpoch(1, 1, 2) // draws on stderr; must not panic
	bar.Batch(2, 0.5)
	bar.EndEpoch(trainer.EpochMetrics{})
}
