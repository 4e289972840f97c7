package dashboard

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/trainer"
)

// The files of a training run the page reads (model/trainer writes them).
const (
	runConfig  = "config.yaml"   // written when the run starts
	runMetrics = "metrics.jsonl" // one trainer.EpochMetrics per line, rewritten every epoch
	runSummary = "summary.json"  // written last: the run is finished
)

// modelsView is the models page: each model's versions (training runs), its champion,
// the learning curves and the config of each version, and the versions deployed
// during the feed with their lineage.
type modelsView struct {
	Models []modelVersions `json:"models"`
}

type modelVersions struct {
	Model    string            `json:"model"`
	Champion *scoring.Champion `json:"champion,omitempty"`
	Versions []modelVersion    `json:"versions"` // newest run id last
	// Deployed are the versions deployed during the feed (continuous training), in
	// day order, each with its lineage; DeployedChart their fit RMSE by day.
	Deployed      []deployedVersion `json:"deployed"`
	DeployedChart *chart            `json:"deployed_chart,omitempty"`
}

// modelVersion is one training run under models/<model>/<run>/.
type modelVersion struct {
	Run      string           `json:"run"`
	Finished bool             `json:"finished"` // summary.json exists
	Champion bool             `json:"champion"`
	Summary  *trainer.Summary `json:"summary,omitempty"`
	Config   string           `json:"config,omitempty"` // config.yaml as the run saved it
	Epochs   int              `json:"epochs_done"`
	Curves   *chart           `json:"curves,omitempty"`
	Errors   *chart           `json:"errors,omitempty"`
}

func (s *Server) modelsView(ctx context.Context) (any, error) {
	list, err := s.b.List(ctx, layout.ModelsPrefix)
	if err != nil {
		return nil, fmt.Errorf("list models/: %w", err)
	}
	byKey := map[string]blob.Attrs{}
	var names []string
	runs := map[string][]string{}
	for _, a := range list {
		byKey[a.Key] = a
		k, err := layout.Parse(a.Key)
		if err != nil || (k.Kind != layout.KindChampion && (k.Kind != layout.KindModelRun || k.Name != runConfig)) {
			continue // a run is known by its config, written first
		}
		if !slices.Contains(names, k.Model) {
			names = append(names, k.Model)
		}
		if k.Kind == layout.KindModelRun && !slices.Contains(runs[k.Model], k.Run) {
			runs[k.Model] = append(runs[k.Model], k.Run)
		}
	}
	deployedList, err := s.b.List(ctx, layout.DeployedPrefix)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", layout.DeployedPrefix, err)
	}
	deployed, err := s.deployedVersions(ctx, deployedList)
	if err != nil {
		return nil, err
	}
	for name := range deployed {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	v := &modelsView{Models: []modelVersions{}}
	for _, name := range names {
		mv := modelVersions{Model: name, Versions: []modelVersion{}, Deployed: deployed[name], DeployedChart: deployedChart(name, deployed[name])}
		if mv.Deployed == nil {
			mv.Deployed = []deployedVersion{}
		}
		if a, ok := byKey[layout.Champion(name)]; ok {
			c, err := cachedJSON[scoring.Champion](ctx, s.docs, s.b, a)
			if err != nil {
				return nil, err
			}
			if c.Schema != scoring.ChampionSchema {
				return nil, fmt.Errorf("%s: schema %q, want %q", a.Key, c.Schema, scoring.ChampionSchema)
			}
			mv.Champion = c
		}
		slices.Sort(runs[name])
		for _, run := range runs[name] {
			ver, err := s.modelVersion(ctx, byKey, name, run)
			if err != nil {
				return nil, err
			}
			ver.Champion = mv.Champion != nil && mv.Champion.Run == run
			mv.Versions = append(mv.Versions, *ver)
		}
		v.Models = append(v.Models, mv)
	}
	return v, nil
}

func (s *Server) modelVersion(ctx context.Context, byKey map[string]blob.Attrs, name, run string) (*modelVersion, error) {
	prefix := layout.ModelRun(name, run)
	ver := &modelVersion{Run: run}
	if a, ok := byKey[prefix+runSummary]; ok {
		sum, err := cachedJSON[trainer.Summary](ctx, s.docs, s.b, a)
		if err != nil {
			return nil, err
		}
		if sum.Schema != trainer.SummarySchema {
			return nil, fmt.Errorf("%s: schema %q, want %q", a.Key, sum.Schema, trainer.SummarySchema)
		}
		ver.Summary, ver.Finished = sum, true
	}
	if a, ok := byKey[prefix+runConfig]; ok {
		cfg, err := cachedDecode(ctx, s.docs, s.b, a.Key, a.ETag, func(data []byte) (*string, error) {
			text := string(data)
			return &text, nil
		})
		if err != nil {
			return nil, err
		}
		ver.Config = *cfg
	}
	if a, ok := byKey[prefix+runMetrics]; ok {
		ms, err := cachedDecode(ctx, s.docs, s.b, a.Key, a.ETag, func(data []byte) (*[]trainer.EpochMetrics, error) {
			return decodeEpochs(data, a.Key)
		})
		if err != nil {
			return nil, err
		}
		ver.Epochs = len(*ms)
		ver.Curves, ver.Errors = curveCharts(run, *ms)
	}
	return ver, nil
}

// decodeEpochs reads metrics.jsonl: one trainer.EpochMetrics per line.
func decodeEpochs(data []byte, key string) (*[]trainer.EpochMetrics, error) {
	out := []trainer.EpochMetrics{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var m trainer.EpochMetrics
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", key, n, err)
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return &out, nil
}

// curveCharts are a run's learning curves: training loss, and validation RMSE and MAE,
// per epoch.
func curveCharts(run string, ms []trainer.EpochMetrics) (loss, errs *chart) {
	xs := make([]int, len(ms))
	loss = &chart{ID: "curves-loss-" + run, Title: "Training loss per epoch", XLabel: "epoch", YLabel: "MSE", Kind: "line"}
	errs = &chart{ID: "curves-val-" + run, Title: "Validation error per epoch", XLabel: "epoch", YLabel: "error", Kind: "line"}
	for i, m := range ms {
		xs[i] = m.Epoch
		loss.add("train loss", point{X: m.Epoch, Y: m.TrainLoss})
		errs.add("validation RMSE", point{X: m.Epoch, Y: m.ValRMSE})
		errs.add("validation MAE", point{X: m.Epoch, Y: m.ValMAE})
		if m.Best {
			errs.Note = fmt.Sprintf("best epoch %d", m.Epoch)
		}
	}
	loss.XS, errs.XS = xs, xs
	return loss, errs
}
