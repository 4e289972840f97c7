package scoring

import (
	"context"
	"fmt"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
)

// ChampionSchema names the champion document.
const ChampionSchema = "champion/v1"

// ChampionKey is models/<model>/champion.json.
func ChampionKey(model string) string { return layout.Champion(model) }

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

// LoadPredictor loads the champion of modelName (models/<model>/champion.json) and
// decodes its model.bin. The model's package must be imported (it registers its
// decoder); model/all imports every model.
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
