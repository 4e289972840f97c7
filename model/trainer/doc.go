// Package trainer trains the models: the training seam a model plugs into
// (Trainable, Spec, Register), the tensors it trains (Param, dense or row-sparse), the
// fused Adam with lazy embedding rows, the YAML config (Config) and the run in the
// bucket (TrainRun), with its checkpoints, learning curves, summary and promotion to
// champion. Scoring (predictors, baselines, metrics, the model.bin codec and loading
// a champion) is model/scoring's, which this package uses and which needs nothing
// from it.
//
// # Plugging a model in
//
// A model package (model/ncf, model/ss4rec) implements Trainable and registers a Spec
// from its init (NewSpec): a name, the type of its config's net section, a
// constructor, and a decoder of its model.bin payload (registered with scoring too).
//
//   - Params: the tensors, as *Param (flat float32). Embedding tables are Sparse: a
//     step adds row gradients with Param.AddRows (the backward of a gather) and the
//     optimizer updates only those rows (lazy Adam). Everything else is dense.
//   - Examples / Step: the trainer shuffles example indices with a seed per epoch and
//     calls Step on each minibatch; Step runs forward and backward (a gorgonia graph
//     built once per batch shape, fed in place) and leaves the gradient of the batch's
//     mean loss in the Params. Batch.Seed seeds anything random in the step.
//   - Predict: the scoring.Predictor, for validation, test and ab-eval.
//   - Encode / Spec.Decode: the model's payload in scoring's model.bin codec
//     (Tensors lists the Params for it).
//
// The trainer (TrainRun) owns the rest: fused Adam with lazy embedding rows, weight
// decay, global-norm clipping, the learning-rate schedule, early stopping on
// validation RMSE, per-epoch checkpoints (resume continues bit-for-bit), the NaN/Inf
// guard (stops with a NonFiniteError after saving a debug state), metrics.jsonl, and
// summary.json with the baselines beside the model. Configs are YAML (Config), named
// by a hash of the effective config (RunID), so a rerun of a finished run is a no-op.
//
// # The bucket
//
//	models/<m>/<run>/config.yaml         the effective config
//	models/<m>/<run>/metrics.jsonl       one EpochMetrics per line
//	models/<m>/<run>/curves.html         learning curves (train loss, val RMSE/MAE), rewritten each epoch
//	models/<m>/<run>/checkpoints/        epoch-NNNN.ckpt (the latest few), best.ckpt
//	models/<m>/<run>/debug/              the state of a failed step, if any
//	models/<m>/<run>/model.bin           the best epoch's model
//	models/<m>/<run>/summary.json        "train-summary/v1", written last
//	models/<m>/champion.json             "champion/v1" (Promote): the run ab-eval scores (scoring.LoadPredictor)
package trainer
