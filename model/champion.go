package model

import (
	"context"
	"fmt"

	"github.com/recpipe/recpipe/internal/blob"
)

// Champion is models/<model>/champion.json: the run that ab-eval scores.
type Champion struct {
	Schema     string  `json:"schema"`
	Model      string  `json:"model"`
	Run        string  `json:"run"`
	Dataset    string  `json:"dataset"`
	ModelKey   string  `json:"model_key"`
	SummaryKey string  `json:"summary_key"`
	ValRMSE    float64 `json:"val_rmse"`
	ValMAE     float64 `json:"val_mae"`
	TestRMSE   float64 `json:"test_rmse"`
}

// Promote makes the run of s its model's champion. It rewrites nothing when that run
// already is the champion.
func Promote(ctx context.Context, b blob.Bucket, s *Summary) (*Champion, error) {
	v, ok := s.Validation[s.Model]
	if !ok {
		return nil, fmt.Errorf("promote %s: summary has no validation scores for %s", s.Run, s.Model)
	}
	c := &Champion{Schema: ChampionSchema, Model: s.Model, Run: s.Run, Dataset: s.Dataset, ModelKey: s.ModelKey,
		SummaryKey: RunPrefix(s.Model, s.Run) + "summary.json", ValRMSE: v.All.RMSE, ValMAE: v.All.MAE,
		TestRMSE: s.Test[s.Model].All.RMSE}
	if _, _, err := blob.WriteJSON(ctx, b, ChampionKey(s.Model), c); err != nil {
		return nil, fmt.Errorf("promote %s: %w", s.Run, err)
	}
	return c, nil
}

// LoadPredictor loads the champion of modelName (models/<model>/champion.json) and
// decodes its model.bin. The model's package must be imported (it registers itself);
// model/all imports every model.
func LoadPredictor(ctx context.Context, b blob.Bucket, modelName string) (Predictor, *Champion, error) {
	var c Champion
	if err := blob.ReadJSON(ctx, b, ChampionKey(modelName), &c); err != nil {
		return nil, nil, fmt.Errorf("load %s champion: %w", modelName, err)
	}
	if c.Schema != ChampionSchema {
		return nil, nil, fmt.Errorf("load %s champion: schema %q, want %q", modelName, c.Schema, ChampionSchema)
	}
	rc, err := b.Get(ctx, c.ModelKey)
	if err != nil {
		return nil, nil, fmt.Errorf("load %s champion: %w", modelName, err)
	}
	defer rc.Close()
	p, err := Load(rc)
	if err != nil {
		return nil, nil, fmt.Errorf("load %s: %w", c.ModelKey, err)
	}
	return p, &c, nil
}

// LoadRunConfig reads the effective config saved with a run (for --resume).
func LoadRunConfig(ctx context.Context, b blob.Bucket, modelName, run string) (*Config, error) {
	data, err := blob.ReadAll(ctx, b, RunPrefix(modelName, run)+"config.yaml")
	if err != nil {
		return nil, fmt.Errorf("resume %s: %w", run, err)
	}
	return ParseConfig(data, "", nil)
}
