// Package model holds the recommenders (NCF, SS4Rec), the baselines they are read
// against, their training machinery, and the Predictor API through which every
// model is scored. It knows nothing of the pipeline stages.
package model
