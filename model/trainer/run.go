package trainer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sort"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/model/scoring"
)

// Schema names of the documents a run writes.
const (
	SummarySchema = "train-summary/v1"
	DebugSchema   = "train-debug/v1"
)

// ErrRunExists: a run with this config was started and not finished; resume or force it.
var ErrRunExists = errors.New("unfinished run exists")

// Run is one training run in the bucket, under models/<model>/<id>/:
// config.yaml, metrics.jsonl, curves.html (learning curves), checkpoints/epoch-NNNN.ckpt (the latest few) and
// checkpoints/best.ckpt, debug/ (only after a failure), model.bin, and summary.json,
// written last: a run is finished when its summary exists.
type Run struct {
	Bucket blob.Bucket
	Model  string
	ID     string
}

// RunPrefix is models/<model>/<run>/.
func RunPrefix(model, run string) string { return layout.ModelRun(model, run) }

// Key is the key of name inside the run.
func (r *Run) Key(name string) string { return RunPrefix(r.Model, r.ID) + name }

// RunOptions change how TrainRun runs.
type RunOptions struct {
	Resume   bool // continue from the last checkpoint of this run
	Force    bool // retrain a finished run, or restart an unfinished one from scratch
	Log      *slog.Logger
	Progress Progress
	// OnBatch, when set, is called before every batch (tests use it to stop a run mid-epoch).
	OnBatch func(epoch, batch int)
	// Accelerator, when set, runs the training steps on a device (train-gpu --device cuda).
	Accelerator Accelerator
}

// Summary is summary.json: the run's outcome, the model's and the baselines' scores
// on validation (history train+val) and test (history train+val+test), keyed by
// predictor name.
type Summary struct {
	Schema       string                         `json:"schema"`
	Model        string                         `json:"model"`
	Run          string                         `json:"run"`
	Dataset      string                         `json:"dataset"`
	Seed         uint64                         `json:"seed"`
	ConfigKey    string                         `json:"config_key"`
	ModelKey     string                         `json:"model_key"`
	MetricsKey   string                         `json:"metrics_key"`
	Parameters   int                            `json:"parameters"`
	TrainRows    int                            `json:"train_rows"`
	ValRows      int                            `json:"val_rows"`
	TestRows     int                            `json:"test_rows"`
	Epochs       int                            `json:"epochs"`
	BestEpoch    int                            `json:"best_epoch"`
	StoppedEarly bool                           `json:"stopped_early"`
	Validation   map[string]scoring.SplitScores `json:"validation"`
	Test         map[string]scoring.SplitScores `json:"test"`
	// BaselineTuning is the baselines' hyper-parameter choice on validation.
	BaselineTuning []scoring.Tuning `json:"baseline_tuning,omitempty"`
}

// TrainRun trains cfg's model on data as the run named by cfg.RunID, or returns the
// summary of that run when it is already finished (unless opt.Force).
func TrainRun(ctx context.Context, b blob.Bucket, cfg *Config, data *Data, opt RunOptions) (*Summary, error) {
	log := opt.Log
	if log == nil {
		log = slog.Default()
	}
	spec, err := lookup(cfg.Model)
	if err != nil {
		return nil, err
	}
	id, err := cfg.RunID()
	if err != nil {
		return nil, err
	}
	run := &Run{Bucket: b, Model: cfg.Model, ID: id}
	log = log.With("model", cfg.Model, "run", id)
	var sum Summary
	switch err := blob.ReadJSON(ctx, b, run.Key(layout.RunSummaryName), &sum); {
	case err == nil && !opt.Force:
		log.Info("run already finished; nothing to do (--force retrains)")
		return &sum, nil
	case err != nil && !errors.Is(err, blob.ErrNotFound):
		return nil, fmt.Errorf("read run summary: %w", err)
	}
	if len(data.Train) == 0 || len(data.Val) == 0 {
		return nil, fmt.Errorf("train %s: %w (train %d rows, val %d rows)", id, scoring.ErrNoTrain, len(data.Train), len(data.Val))
	}
	m, err := spec.New(cfg, data)
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", cfg.Model, err)
	}
	t := &session{run: run, cfg: cfg, m: m, params: m.Params(), data: data, valHist: scoring.NewHistory(data.Train, data.Val),
		log: log, prog: opt.Progress, onBatch: opt.OnBatch}
	setDecay(t.params, cfg.Train)
	t.adam = NewAdam(t.params, cfg.Train.Beta1, cfg.Train.Beta2, cfg.Train.Eps)
	if err := run.start(ctx, t, opt); err != nil {
		return nil, err
	}
	if opt.Accelerator != nil {
		if t.dev, err = opt.Accelerator.Attach(m, t.params, t.adam, cfg.Train); err != nil {
			return nil, fmt.Errorf("train %s on %s: %w", id, cfg.Device, err)
		}
	}
	if err := t.loop(ctx); err != nil {
		return nil, err
	}
	if err := t.restore(ctx, run.Key(layout.RunBestName), false); err != nil {
		return nil, err
	}
	return run.finish(ctx, t)
}

// setDecay gives each tensor the run's weight decay: EmbeddingDecay for a Sparse
// table, WeightDecay for a dense one, none where the model says NoDecay.
func setDecay(params []*Param, tc TrainConfig) {
	for _, p := range params {
		switch {
		case p.NoDecay:
			p.Decay = 0
		case p.Sparse:
			p.Decay = float32(tc.EmbeddingDecay)
		default:
			p.Decay = float32(tc.WeightDecay)
		}
	}
}

// start writes the config, and resumes from the last checkpoint when asked.
func (r *Run) start(ctx context.Context, t *session, opt RunOptions) error {
	cfgYAML, err := t.cfg.YAML()
	if err != nil {
		return err
	}
	last, err := r.lastCheckpoint(ctx)
	if err != nil {
		return err
	}
	switch {
	case last != "" && opt.Resume:
		if err := t.restore(ctx, last, true); err != nil {
			return err
		}
		t.log.Info("resumed", "checkpoint", last, "epochs_done", t.st.Epoch)
	case last != "" && !opt.Force:
		return fmt.Errorf("run %s has checkpoints up to %s but no summary: %w (resume it or force a restart)", r.ID, last, ErrRunExists)
	case last != "":
		objs, err := r.Bucket.List(ctx, r.Key(layout.RunCheckpoints))
		if err != nil {
			return fmt.Errorf("list checkpoints: %w", err)
		}
		for _, o := range objs {
			if err := r.Bucket.Delete(ctx, o.Key); err != nil {
				return fmt.Errorf("restart run: %w", err)
			}
		}
	}
	if _, _, err := blob.PutIfChanged(ctx, r.Bucket, r.Key(layout.RunConfigName), cfgYAML); err != nil {
		return fmt.Errorf("write run config: %w", err)
	}
	return nil
}

// saveEpoch writes the epoch's checkpoint (and the best one), prunes old ones and
// rewrites metrics.jsonl.
func (r *Run) saveEpoch(ctx context.Context, t *session, best bool) error {
	snap, err := t.snapshot()
	if err != nil {
		return err
	}
	// The best checkpoint first: a run stopped between the two writes redoes this
	// epoch on resume (deterministically) and never pairs a newer state with an older best.
	if best {
		if _, _, err := blob.PutIfChanged(ctx, r.Bucket, r.Key(layout.RunBestName), snap); err != nil {
			return fmt.Errorf("write best checkpoint: %w", err)
		}
	}
	if _, _, err := blob.PutIfChanged(ctx, r.Bucket, r.Key(layout.RunEpochName(t.st.Epoch)), snap); err != nil {
		return fmt.Errorf("write checkpoint: %w", err)
	}
	if err := r.pruneCheckpoints(ctx, t.cfg.Train.KeepCheckpoints); err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, m := range t.st.Metrics {
		if err := enc.Encode(m); err != nil {
			return fmt.Errorf("encode metrics: %w", err)
		}
	}
	if _, _, err := blob.PutIfChanged(ctx, r.Bucket, r.Key(layout.RunMetricsName), buf.Bytes()); err != nil {
		return fmt.Errorf("write metrics: %w", err)
	}
	page := CurvesPage(r.Model, r.ID, t.st.Metrics)
	if _, _, err := blob.PutIfChanged(ctx, r.Bucket, r.Key(layout.RunCurvesName), []byte(page)); err != nil {
		return fmt.Errorf("write learning curves: %w", err)
	}
	return nil
}

// saveDebug writes the debug state of a failed step and returns its key.
func (r *Run) saveDebug(ctx context.Context, t *session, b Batch, e *NonFiniteError) (string, error) {
	norms := map[string]float64{}
	gradNorms := map[string]float64{}
	for _, p := range t.params {
		norms[p.Name] = p.Norm()
		gradNorms[p.Name] = math.Sqrt(p.GradSqNorm())
	}
	doc := map[string]any{
		"schema": DebugSchema, "run": r.ID, "epoch": e.Epoch, "batch": e.Batch, "tensor": e.Tensor, "what": e.What,
		"index": e.Index, "examples": b.Examples, "param_norms": jsonFloats(norms), "grad_norms": jsonFloats(gradNorms),
	}
	if d, ok := t.m.(BatchDescriber); ok {
		rows := d.DescribeBatch(b.Examples)
		if _, err := json.Marshal(rows); err != nil { // e.g. a NaN target: keep it readable
			rows = fmt.Sprintf("%+v", rows)
		}
		doc["rows"] = rows
	}
	key := r.Key(layout.RunDebugName(e.Epoch, e.Batch))
	if _, _, err := blob.WriteJSON(ctx, r.Bucket, key, doc); err != nil {
		return "", err
	}
	return key, nil
}

// jsonFloats renders non-finite norms as strings (JSON has no NaN).
func jsonFloats(m map[string]float64) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			out[k] = fmt.Sprint(v)
		} else {
			out[k] = v
		}
	}
	return out
}

// finish writes model.bin, scores the model and the baselines, and writes summary.json last.
func (r *Run) finish(ctx context.Context, t *session) (*Summary, error) {
	var buf bytes.Buffer
	if err := scoring.Save(&buf, t.m); err != nil {
		return nil, fmt.Errorf("encode model: %w", err)
	}
	if _, _, err := blob.PutIfChanged(ctx, r.Bucket, r.Key(layout.RunModelName), buf.Bytes()); err != nil {
		return nil, fmt.Errorf("write model: %w", err)
	}
	d := t.data
	s := &Summary{Schema: SummarySchema, Model: r.Model, Run: r.ID, Dataset: t.cfg.Dataset, Seed: t.cfg.Seed,
		ConfigKey: r.Key(layout.RunConfigName), ModelKey: r.Key(layout.RunModelName), MetricsKey: r.Key(layout.RunMetricsName),
		TrainRows: len(d.Train), ValRows: len(d.Val), TestRows: len(d.Test),
		Epochs: t.st.Epoch, BestEpoch: t.st.BestEpoch, StoppedEarly: t.st.Epoch < t.cfg.Train.Epochs}
	for _, p := range t.params {
		s.Parameters += len(p.Value)
	}
	t.valHist = nil // training is over: EvaluateAll builds the histories it needs, one at a time
	var err error
	if s.Validation, s.Test, s.BaselineTuning, err = EvaluateAll(ctx, t.m, d); err != nil {
		return nil, err
	}
	if _, _, err := blob.WriteJSON(ctx, r.Bucket, r.Key(layout.RunSummaryName), s); err != nil {
		return nil, fmt.Errorf("write summary: %w", err)
	}
	LogSummary(t.log, s)
	return s, nil
}

// EvaluateAll scores p and the three baselines (fitted on d.Train, tuned on d.Val:
// scoring.TunedBaselines) on validation and on test (when d.Test is not empty), keyed
// by predictor name, and returns the baselines' tuning.
func EvaluateAll(ctx context.Context, p scoring.Predictor, d *Data) (val, test map[string]scoring.SplitScores, tuning []scoring.Tuning, err error) {
	bases, tuning, err := scoring.TunedBaselines(ctx, d.Train, d.Val)
	if err != nil {
		return nil, nil, nil, err
	}
	known := scoring.NewKnown(d.Train)
	preds := append([]scoring.Predictor{p}, bases...)
	// Validation first, then test, each with its own history built only for its pass,
	// so that the two histories (train+val, train+val+test) are never held at once
	// (valHist is dead after its loop; predictions do not depend on the order of the
	// calls).
	val, test = map[string]scoring.SplitScores{}, map[string]scoring.SplitScores{}
	valHist := scoring.NewHistory(d.Train, d.Val)
	for _, q := range preds {
		if val[q.Name()], err = scoring.Evaluate(ctx, q, valHist, d.Val, known); err != nil {
			return nil, nil, nil, err
		}
	}
	if len(d.Test) == 0 {
		return val, test, tuning, nil
	}
	testHist := scoring.NewHistory(d.Train, d.Val, d.Test)
	for _, q := range preds {
		if test[q.Name()], err = scoring.Evaluate(ctx, q, testHist, d.Test, known); err != nil {
			return nil, nil, nil, err
		}
	}
	return val, test, tuning, nil
}

// LogSummary prints the model's and the baselines' figures, one line each.
func LogSummary(log *slog.Logger, s *Summary) {
	names := make([]string, 0, len(s.Validation))
	for n := range s.Validation {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v, t := s.Validation[n], s.Test[n]
		log.Info("scores", "predictor", n, "val_rmse", v.All.RMSE, "val_mae", v.All.MAE,
			"test_rmse", t.All.RMSE, "test_warm_rmse", t.Warm.RMSE, "test_warm_n", t.Warm.N,
			"test_cold_rmse", t.Cold.RMSE, "test_cold_n", t.Cold.N)
	}
}
