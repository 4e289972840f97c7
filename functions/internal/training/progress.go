package training

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/recpipe/recpipe/model/trainer"
)

// NewProgress reports training progress: a progress bar when stderr is a terminal,
// else a log line every logEvery and one per epoch.
func NewProgress(log *slog.Logger) trainer.Progress {
	if st, err := os.Stderr.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
		return &barProgress{}
	}
	return &logProgress{log: log, every: logEvery}
}

const logEvery = 15 * time.Second

type barProgress struct{ bar *progressbar.ProgressBar }

func (p *barProgress) StartEpoch(epoch, epochs, batches int) {
	p.bar = progressbar.NewOptions(batches, progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetDescription(fmt.Sprintf("epoch %d/%d", epoch, epochs)),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("batch"),
		progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
}
func (p *barProgress) Batch(done int, loss float64)  { p.bar.Set(done) }
func (p *barProgress) EndEpoch(trainer.EpochMetrics) { p.bar.Finish() }

type logProgress struct {
	log          *slog.Logger
	every        time.Duration
	last         time.Time
	epoch, total int
}

func (p *logProgress) StartEpoch(epoch, epochs, batches int) {
	p.epoch, p.total, p.last = epoch, batches, time.Now()
	p.log.Info("epoch", "epoch", epoch, "of", epochs, "batches", batches)
}
func (p *logProgress) Batch(done int, loss float64) {
	if time.Since(p.last) >= p.every {
		p.last = time.Now()
		p.log.Info("progress", "epoch", p.epoch, "batch", done, "of", p.total, "batch_mse", loss)
	}
}
func (p *logProgress) EndEpoch(m trainer.EpochMetrics) {
	p.log.Info("epoch done", "epoch", p.epoch, "train_loss", m.TrainLoss, "val_rmse", m.ValRMSE, "val_mae", m.ValMAE, "best", m.Best)
}
