package training

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

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
}

// The bar shows no rate before a second has passed (one fast first batch is no rate),
// then the epoch's mean rate; it ends at 100% with the epoch's rate and time, on a
// line of its own.
func TestBarEndsFullWithASaneRate(t *testing.T) {
	var buf bytes.Buffer
	t0 := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	now := t0
	p := &barProgress{w: &buf, now: func() time.Time { return now }}
	p.StartEpoch(2, 20, 100)
	now = t0.Add(time.Millisecond)
	p.Batch(1, 0.9) // not redrawn: within barEvery
	now = t0.Add(300 * time.Millisecond)
	p.Batch(3, 0.9)
	first := lastDraw(buf.String())
	if strings.Contains(first, "batch/s") || !strings.Contains(first, "  3% 3/100 batches") {
		t.Errorf("first draw %q: want 3%% and no rate yet", first)
	}
	now = t0.Add(2 * time.Second)
	p.Batch(50, 0.8)
	if mid := lastDraw(buf.String()); !strings.Contains(mid, " 50% 50/100 batches, 25 batch/s, ~2s left") {
		t.Errorf("draw at 2 s: %q", mid)
	}
	now = t0.Add(4 * time.Second)
	p.Batch(97, 0.8) // throttled draws may stop short of the end...
	p.EndEpoch(trainer.EpochMetrics{})
	out := buf.String()
	if end := lastDraw(out); !strings.HasSuffix(out, "\n") || !strings.Contains(end, "epoch 2/20 [==============================] 100% 100/100 batches, 25 batch/s, 4s") {
		t.Errorf("last draw %q (output ends %q): ...the end draws it full", end, out[max(0, len(out)-20):])
	}
}

// lastDraw is the bar as last drawn.
func lastDraw(out string) string {
	out = strings.TrimSuffix(out, "\n")
	return strings.TrimSuffix(out[strings.LastIndex(out, "\r")+1:], "\x1b[K")
}

// One line per epoch for output that is not a terminal; every output New is given gets it.
func TestNewReportsToEveryOutput(t *testing.T) {
	var lines []string
	var logBuf, bar bytes.Buffer
	p := New(Outputs{Bar: &bar, Say: func(f string, a ...any) { lines = append(lines, fmt.Sprintf(f, a...)) },
		Log: slog.New(slog.NewTextHandler(&logBuf, nil))})
	p.StartEpoch(3, 5, 10)
	p.Batch(10, 0.7)
	p.EndEpoch(trainer.EpochMetrics{TrainLoss: 0.71234, ValRMSE: 0.9012, Best: true, EpochSeconds: 2.5, SamplesPerSec: 4000})
	want := "    epoch 3/5: train loss 0.7123, validation RMSE 0.9012 (best so far); 2.5 s, 4000 samples/s"
	if len(lines) != 1 || lines[0] != want {
		t.Errorf("lines %q, want [%q]", lines, want)
	}
	if !strings.Contains(bar.String(), "100% 10/10") || !strings.Contains(logBuf.String(), "val_rmse=0.9012") {
		t.Errorf("bar %q, log %q", bar.String(), logBuf.String())
	}
}
