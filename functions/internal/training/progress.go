package training

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/recpipe/recpipe/jobs"
	"github.com/recpipe/recpipe/model/trainer"
)

// Outputs say where training progress goes; each may be nil (none).
type Outputs struct {
	// Bar draws a progress bar per epoch on a terminal; it ends at 100% and stays,
	// one line per epoch.
	Bar io.Writer
	// Say prints one line per epoch (for output that is not a terminal).
	Say func(format string, a ...any)
	// Log gets a line every 15 s and one per epoch (at info).
	Log *slog.Logger
}

// NewProgress is train-gpu's progress: a progress bar when stderr is a terminal, else
// log lines.
func NewProgress(log *slog.Logger) trainer.Progress {
	if jobs.IsTerminal(os.Stderr) {
		return New(Outputs{Bar: os.Stderr})
	}
	return New(Outputs{Log: log})
}

// New reports training progress to every output o names.
func New(o Outputs) trainer.Progress {
	var ps multi
	if o.Bar != nil {
		ps = append(ps, &barProgress{w: o.Bar, now: time.Now})
	}
	if o.Say != nil {
		ps = append(ps, &lineProgress{say: o.Say})
	}
	if o.Log != nil {
		ps = append(ps, &logProgress{log: o.Log, every: logEvery})
	}
	return ps
}

// multi reports to each of its progresses.
type multi []trainer.Progress

func (m multi) StartEpoch(epoch, epochs, batches int) {
	for _, p := range m {
		p.StartEpoch(epoch, epochs, batches)
	}
}

func (m multi) Batch(done int, loss float64) {
	for _, p := range m {
		p.Batch(done, loss)
	}
}

func (m multi) EndEpoch(e trainer.EpochMetrics) {
	for _, p := range m {
		p.EndEpoch(e)
	}
}

const (
	logEvery = 15 * time.Second
	// barEvery is how often the bar is redrawn.
	barEvery = 200 * time.Millisecond
	// rateAfter is how long an epoch runs before the bar shows a rate: earlier, one
	// fast batch would read as thousands per second.
	rateAfter = time.Second
	barWidth  = 30
)

// barProgress draws "epoch 2/20 [=====>    ]  45% 123/270 batches, 42 batch/s, ~3s
// left" on one terminal line, redrawn at most every barEvery; the end of an epoch
// draws it full, with the epoch's mean rate, and moves to the next line.
type barProgress struct {
	w                    io.Writer
	now                  func() time.Time
	epoch, epochs, total int
	start, drawn         time.Time
	done                 int
}

func (p *barProgress) StartEpoch(epoch, epochs, batches int) {
	p.epoch, p.epochs, p.total, p.done = epoch, epochs, batches, 0
	p.start = p.now()
	p.drawn = p.start
	p.draw(false)
}

func (p *barProgress) Batch(done int, loss float64) {
	p.done = done
	if p.now().Sub(p.drawn) >= barEvery {
		p.draw(false)
	}
}

func (p *barProgress) EndEpoch(trainer.EpochMetrics) {
	p.done = p.total
	p.draw(true)
	fmt.Fprintln(p.w)
}

func (p *barProgress) draw(final bool) {
	now := p.now()
	p.drawn = now
	total := max(p.total, 1)
	done := min(max(p.done, 0), total)
	fill := barWidth * done / total
	bar := strings.Repeat("=", fill)
	if fill < barWidth {
		bar += ">" + strings.Repeat(" ", barWidth-fill-1)
	}
	line := fmt.Sprintf("epoch %d/%d [%s] %3d%% %d/%d batches", p.epoch, p.epochs, bar, 100*done/total, done, p.total)
	elapsed := now.Sub(p.start)
	if done > 0 && (elapsed >= rateAfter || final && elapsed > 0) {
		rate := float64(done) / elapsed.Seconds()
		line += ", " + fmtRate(rate)
		if final {
			line += fmt.Sprintf(", %s", elapsed.Round(100*time.Millisecond))
		} else if left := time.Duration(float64(p.total-done) / rate * float64(time.Second)); left > 0 {
			line += fmt.Sprintf(", ~%s left", left.Round(time.Second))
		}
	}
	fmt.Fprintf(p.w, "\r%s\x1b[K", line)
}

// fmtRate is a rate of batches, with the precision its size needs.
func fmtRate(r float64) string {
	if r >= 10 {
		return fmt.Sprintf("%.0f batch/s", r)
	}
	return fmt.Sprintf("%.1f batch/s", r)
}

// lineProgress says one line per epoch.
type lineProgress struct {
	say           func(format string, a ...any)
	epoch, epochs int
}

func (p *lineProgress) StartEpoch(epoch, epochs, batches int) { p.epoch, p.epochs = epoch, epochs }
func (p *lineProgress) Batch(int, float64)                    {}
func (p *lineProgress) EndEpoch(m trainer.EpochMetrics) {
	best := ""
	if m.Best {
		best = " (best so far)"
	}
	p.say("    epoch %d/%d: train loss %.4f, validation RMSE %.4f%s; %.1f s, %.0f samples/s",
		p.epoch, p.epochs, m.TrainLoss, m.ValRMSE, best, m.EpochSeconds, m.SamplesPerSec)
}

// logProgress logs a line every logEvery and one per epoch.
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
