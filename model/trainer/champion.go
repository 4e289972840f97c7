package trainer

import (
	"context"
	"fmt"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/model/scoring"
)

// Promote makes the run of s its model's champion (scoring.Champion, which ab-eval
// loads). It rewrites nothing when that run already is the champion.
func Promote(ctx context.Context, b blob.Bucket, s *Summary) (*scoring.Champion, error) {
	v, ok := s.Validation[s.Model]
	if !ok {
		return nil, fmt.Errorf("promote %s: summary has no validation scores for %s", s.Run, s.Model)
	}
	c := &scoring.Champion{Schema: scoring.ChampionSchema, Model: s.Model, Run: s.Run, Dataset: s.Dataset, ModelKey: s.ModelKey,
		SummaryKey: layout.ModelRunFile(s.Model, s.Run, layout.RunSummaryName), ValRMSE: v.All.RMSE, ValMAE: v.All.MAE,
		TestRMSE: s.Test[s.Model].All.RMSE}
	if _, _, err := blob.WriteJSON(ctx, b, scoring.ChampionKey(s.Model), c); err != nil {
		return nil, fmt.Errorf("promote %s: %w", s.Run, err)
	}
	return c, nil
}

// LoadRunConfig reads the effective config saved with a run (for --resume).
func LoadRunConfig(ctx context.Context, b blob.Bucket, modelName, run string) (*Config, error) {
	data, err := blob.ReadAll(ctx, b, layout.ModelRunFile(modelName, run, layout.RunConfigName))
	if err != nil {
		return nil, fmt.Errorf("resume %s: %w", run, err)
	}
	return ParseConfig(data, "", nil)
}
