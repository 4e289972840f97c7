package trainer

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"time"

	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/scoring"
)

// The training seam.
//
// A model plugs into the trainer by implementing Trainable and registering a Spec.
// The trainer owns everything that is not the network: the epoch loop, shuffling
// (seeded per epoch, so a resumed run sees the same batches), the fused Adam with lazy
// updates of embedding rows, weight decay, gradient-norm clipping, the learning-rate
// schedule, validation and early stopping, checkpoints, the NaN/Inf guard and
// metrics.jsonl. The model owns its examples, its forward and backward (a gorgonia
// graph for NCF and SS4Rec), and its serialisation.
//
// One step: the trainer zeroes every gradient, calls Step with the batch's example
// indices, checks the loss and every gradient for NaN/Inf, clips, updates with Adam and
// checks the updated values. A Step must leave the gradient of the mean loss over the
// batch's targets in Param.Grad (dense) or through Param.AddRows (sparse tables). The
// model's Params() slices must be the ones its forward reads: the trainer updates them
// in place and restores them from checkpoints in place.

// Trainable is a model the trainer can drive.
type Trainable interface {
	scoring.Predictor
	// Params returns the trainable tensors, in a fixed order.
	Params() []*Param
	// Examples is the number of training examples: the unit the trainer shuffles and
	// batches (a rating row for NCF, a user sequence for SS4Rec).
	Examples() int
	// Step runs forward and backward on the examples of b and returns their loss.
	Step(ctx context.Context, b Batch) (Loss, error)
	// Encode writes the model's payload of model.bin (Save adds the header).
	Encode(w io.Writer) error
}

// BatchDescriber is optionally implemented by a Trainable to put the raw rows of a
// batch into the debug state saved when training fails on it.
type BatchDescriber interface {
	DescribeBatch(examples []int) any
}

// Batch is one minibatch: example indices in [0, Examples()), and a seed for anything
// random in the step (dropout), derived from the run seed, epoch and batch.
type Batch struct {
	Epoch, Index int
	Examples     []int
	Seed         uint64
}

// Loss is a step's loss: SumSq is the sum of squared errors over Count rated targets.
type Loss struct {
	SumSq float64
	Count int
}

// Data is what a model is trained and evaluated on. Validation rows are scored with
// the history train+val, test rows with train+val+test (each predictor looking only
// strictly before each row's time).
type Data struct {
	Train, Val, Test []ratings.Rating
}

// NonFiniteError names where training blew up; the debug state is at DebugKey.
type NonFiniteError struct {
	Epoch, Batch int
	Tensor       string // "loss" or a Param name
	What         string // "loss", "gradient" or "value"
	Index        int    // flat index of the first bad element (-1 for the loss)
	DebugKey     string
}

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("%v in %s of %s at epoch %d batch %d (debug state %s)", scoring.ErrNonFinite, e.What, e.Tensor, e.Epoch, e.Batch, e.DebugKey)
}
func (e *NonFiniteError) Unwrap() error { return scoring.ErrNonFinite }

// EpochMetrics is one line of metrics.jsonl.
type EpochMetrics struct {
	Epoch         int     `json:"epoch"`
	TrainLoss     float64 `json:"train_loss"` // mean squared error over the epoch's targets
	ValRMSE       float64 `json:"val_rmse"`
	ValMAE        float64 `json:"val_mae"`
	LR            float64 `json:"lr"`
	GradNorm      float64 `json:"grad_norm"`       // mean pre-clip global gradient norm
	EpochSeconds  float64 `json:"epoch_seconds"`   // training and validation
	SamplesPerSec float64 `json:"samples_per_sec"` // training examples per second of training (validation excluded)
	Best          bool    `json:"best"`
}

// Progress reports progress within an epoch (a progress bar on a terminal, log lines
// otherwise). nil is allowed.
type Progress interface {
	StartEpoch(epoch, epochs, batches int)
	Batch(done int, loss float64)
	EndEpoch(m EpochMetrics)
}

// lrAt is the learning rate of epoch e (0-based).
func (t TrainConfig) lrAt(e int) float64 {
	switch t.Schedule {
	case "exp":
		return t.LR * math.Pow(t.Gamma, float64(e))
	case "cosine":
		return t.MinLR + 0.5*(t.LR-t.MinLR)*(1+math.Cos(math.Pi*float64(e)/float64(t.Epochs)))
	}
	return t.LR
}

// state is what a checkpoint holds besides the parameters and moments.
type state struct {
	Epoch     int // epochs completed
	Best      float64
	BestEpoch int
	BadEpochs int
	Metrics   []EpochMetrics
}

// session runs the epochs of one run.
type session struct {
	run     *Run
	cfg     *Config
	m       Trainable
	params  []*Param
	adam    *Adam
	st      state
	data    *Data
	valHist *scoring.History
	log     *slog.Logger
	prog    Progress
	onBatch func(epoch, batch int)
	dev     DeviceStepper // nil: the steps run on the host
}

func mixSeed(seed uint64, xs ...uint64) uint64 {
	h := seed ^ 0x9e3779b97f4a7c15
	for _, x := range xs {
		h ^= x + 0x9e3779b97f4a7c15 + (h << 6) + (h >> 2)
		h *= 0xbf58476d1ce4e5b9
		h ^= h >> 31
	}
	return h
}

func (t *session) loop(ctx context.Context) error {
	tc := t.cfg.Train
	for t.st.Epoch < tc.Epochs && t.st.BadEpochs < tc.Patience {
		if err := t.epoch(ctx, t.st.Epoch); err != nil {
			return err
		}
	}
	return nil
}

func (t *session) epoch(ctx context.Context, e int) error {
	tc := t.cfg.Train
	start := time.Now()
	n := t.m.Examples()
	rng := rand.New(rand.NewPCG(t.cfg.Seed, uint64(e)))
	order := rng.Perm(n)
	lr := tc.lrAt(e)
	batches := (n + tc.BatchSize - 1) / tc.BatchSize
	if t.prog != nil {
		t.prog.StartEpoch(e+1, tc.Epochs, batches)
	}
	var sumSq, normSum float64
	var count int
	for bi := 0; bi < batches; bi++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if t.onBatch != nil {
			t.onBatch(e, bi)
		}
		ex := order[bi*tc.BatchSize : min((bi+1)*tc.BatchSize, n)]
		norm, loss, err := t.step(ctx, Batch{Epoch: e, Index: bi, Examples: ex, Seed: mixSeed(t.cfg.Seed, uint64(e), uint64(bi))})
		if err != nil {
			return err
		}
		sumSq += loss.SumSq
		count += loss.Count
		normSum += norm
		if t.prog != nil {
			t.prog.Batch(bi+1, loss.SumSq/math.Max(1, float64(loss.Count)))
		}
	}
	trainSecs := time.Since(start).Seconds()
	if t.dev != nil { // validation and the checkpoint read the host's copy
		if err := t.dev.Pull(); err != nil {
			return fmt.Errorf("epoch %d: copy the parameters from the device: %w", e+1, err)
		}
	}
	rmse, mae, err := t.validate(ctx)
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	m := EpochMetrics{Epoch: e + 1, TrainLoss: sumSq / math.Max(1, float64(count)), ValRMSE: rmse, ValMAE: mae,
		LR: lr, GradNorm: normSum / math.Max(1, float64(batches)), EpochSeconds: secs, SamplesPerSec: float64(n) / trainSecs}
	t.st.Epoch = e + 1
	if e == 0 || rmse < t.st.Best {
		t.st.Best, t.st.BestEpoch, t.st.BadEpochs = rmse, e+1, 0
		m.Best = true
	} else {
		t.st.BadEpochs++
	}
	t.st.Metrics = append(t.st.Metrics, m)
	if t.prog != nil {
		t.prog.EndEpoch(m)
	}
	t.log.Info("epoch", "epoch", m.Epoch, "train_loss", m.TrainLoss, "val_rmse", m.ValRMSE, "val_mae", m.ValMAE,
		"lr", m.LR, "grad_norm", m.GradNorm, "seconds", m.EpochSeconds, "samples_per_sec", m.SamplesPerSec)
	return t.run.saveEpoch(ctx, t, m.Best)
}

// step runs one batch and returns the pre-clip gradient norm.
func (t *session) step(ctx context.Context, b Batch) (float64, Loss, error) {
	if t.dev != nil {
		return t.deviceStep(ctx, b)
	}
	for _, p := range t.params {
		p.ZeroGrad()
	}
	loss, err := t.m.Step(ctx, b)
	if err != nil {
		return 0, loss, fmt.Errorf("epoch %d batch %d: %w", b.Epoch+1, b.Index, err)
	}
	if math.IsNaN(loss.SumSq) || math.IsInf(loss.SumSq, 0) {
		return 0, loss, t.fail(ctx, b, "loss", "loss", -1)
	}
	var sq float64
	for _, p := range t.params {
		if at := p.firstNonFinite(false); at >= 0 {
			return 0, loss, t.fail(ctx, b, p.Name, "gradient", at)
		}
		sq += p.GradSqNorm()
	}
	norm := math.Sqrt(sq)
	scale := 1.0
	if c := t.cfg.Train.ClipNorm; c > 0 && norm > c {
		scale = c / norm
	}
	t.adam.Update(t.params, t.cfg.Train.lrAt(b.Epoch), scale)
	for _, p := range t.params {
		if at := p.firstNonFinite(true); at >= 0 {
			return 0, loss, t.fail(ctx, b, p.Name, "value", at)
		}
	}
	return norm, loss, nil
}

// deviceStep runs one batch on the device; on a non-finite loss, gradient or value
// it copies the state back and names the first bad tensor as the host step would.
func (t *session) deviceStep(ctx context.Context, b Batch) (float64, Loss, error) {
	r, err := t.dev.Step(ctx, b, t.cfg.Train.lrAt(b.Epoch), t.cfg.Train.ClipNorm)
	if err != nil {
		return 0, r.Loss, fmt.Errorf("epoch %d batch %d: %w", b.Epoch+1, b.Index, err)
	}
	if r.NonFinite == "" {
		return r.Norm, r.Loss, nil
	}
	if err := t.dev.Pull(); err != nil {
		return 0, r.Loss, fmt.Errorf("epoch %d batch %d: %s not finite; copy the state from the device: %w", b.Epoch+1, b.Index, r.NonFinite, err)
	}
	if r.NonFinite == "loss" {
		return 0, r.Loss, t.fail(ctx, b, "loss", "loss", -1)
	}
	for _, p := range t.params {
		s := p.Grad
		if r.NonFinite == "value" {
			s = p.Value
		}
		if at := firstNonFiniteIn(s); at >= 0 {
			return 0, r.Loss, t.fail(ctx, b, p.Name, r.NonFinite, at)
		}
	}
	return 0, r.Loss, t.fail(ctx, b, "unknown tensor", r.NonFinite, -1)
}

func (t *session) validate(ctx context.Context) (rmse, mae float64, err error) {
	pred, err := t.m.Predict(ctx, t.valHist, t.data.Val)
	if err != nil {
		return 0, 0, fmt.Errorf("validate: %w", err)
	}
	s := scoring.RowScores(pred, t.data.Val)
	if math.IsNaN(s.RMSE) {
		return 0, 0, &NonFiniteError{Epoch: t.st.Epoch + 1, Batch: -1, Tensor: "validation predictions", What: "prediction", Index: -1}
	}
	return s.RMSE, s.MAE, nil
}

// fail saves the debug state of a non-finite step and returns the error naming it.
func (t *session) fail(ctx context.Context, b Batch, tensor, what string, at int) error {
	e := &NonFiniteError{Epoch: b.Epoch + 1, Batch: b.Index, Tensor: tensor, What: what, Index: at}
	key, err := t.run.saveDebug(ctx, t, b, e)
	if err != nil {
		return fmt.Errorf("%w (and saving the debug state failed: %v)", e, err)
	}
	e.DebugKey = key
	t.log.Error("training stopped", "err", e)
	return e
}
