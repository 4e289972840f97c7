// Package scoring is the contract through which every model and baseline is scored,
// and all that ab-eval needs of the models: the Predictor API and the History it
// reads (only a user's interactions strictly before each row's time, docs/design.md §Data protocol); the
// metrics (RMSE / MAE, warm and cold rows apart, Evaluate); the three baselines
// (GlobalMean, UserItemBias, HistoryAwareBias); the model.bin codec that every model
// writes and reads its file with (codec.go: Save, Load, WritePayload, ReadPayload);
// and the champion document naming the run ab-eval scores (Champion, LoadPredictor).
//
// It knows nothing of training (model/trainer) nor of any model's network: a model
// package registers its decoder (RegisterDecoder, which trainer.Register calls), and
// Load picks the decoder by the name in the file header. model/all imports every
// model. Callers pass rows as []ratings.Rating.
package scoring
