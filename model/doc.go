// Package model holds the recommenders' shared machinery: the Predictor API through
// which every model and baseline is scored, the baselines of DESIGN §6 (GlobalMean,
// UserItemBias, HistoryAwareBias), the metrics (RMSE / MAE, warm and cold rows apart),
// and the trainer that the models plug into. It knows nothing of the pipeline stages:
// callers pass it []ratings.Rating.
//
// # Plugging a model in
//
// A model package (model/ncf, model/ss4rec) implements Trainable and registers a Spec
// from its init: a name, the type of its config's net section, a constructor, and a
// decoder of its model.bin payload. model/all imports every model package.
//
//   - Params: the tensors, as *Param (flat float32). Embedding tables are Sparse: a
//     step adds row gradients with Param.AddRows (the backward of a gather) and the
//     optimizer updates only those rows (lazy Adam). Everything else is dense.
//   - Examples / Step: the trainer shuffles example indices with a seed per epoch and
//     calls Step on each minibatch; Step runs forward and backward (a gorgonia graph
//     built once per batch shape, fed in place) and leaves the gradient of the batch's
//     mean loss in the Params. Batch.Seed seeds anything random in the step.
//   - Predict: the same network without the graph, for validation, test and ab-eval.
//   - Encode / Spec.Decode: model.bin; Save and Load add and read the header naming
//     the model, so Load decodes any registered model.
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
//	models/<m>/champion.json             "champion/v1": the run ab-eval scores (LoadPredictor)
package model
