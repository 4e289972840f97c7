package dashboard

import (
	"context"
	"fmt"
	"slices"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/model/deploy"
)

// deployedVersion is one version of a model deployed during the feed
// (deployed/<model>/day=NN/version.json, decoded into deploy.Version): its lineage
// (parent, champion, the days folded in, its inputs), config and metrics.
type deployedVersion struct {
	Key     string          `json:"key"`
	Version *deploy.Version `json:"version"`
}

// deployedVersions reads every deployed version of every model, by model, in day
// order. A model with versions but no training run still gets its entry.
func (s *Server) deployedVersions(ctx context.Context, list []blob.Attrs) (map[string][]deployedVersion, error) {
	out := map[string][]deployedVersion{}
	for _, a := range list {
		k, err := layout.Parse(a.Key)
		if err != nil || k.Kind != layout.KindModelVersion {
			continue
		}
		v, err := cachedJSON[deploy.Version](ctx, s.docs, s.b, a)
		if err != nil {
			return nil, err
		}
		if v.Schema != deploy.Schema {
			return nil, fmt.Errorf("%s: schema %q, want %q", a.Key, v.Schema, deploy.Schema)
		}
		out[v.Model] = append(out[v.Model], deployedVersion{Key: a.Key, Version: v})
	}
	for m := range out {
		slices.SortFunc(out[m], func(a, b deployedVersion) int { return a.Version.Day - b.Version.Day })
	}
	return out, nil
}

// deployedChart: each deployed version's fit RMSE on the rows it was refit on, and
// how many rows it had folded in, by the day it was deployed after.
func deployedChart(model string, vs []deployedVersion) *chart {
	if len(vs) == 0 {
		return nil
	}
	c := &chart{ID: "deployed-" + model, Title: "Deployed versions: RMSE on the rows folded in", XLabel: "deployed after day",
		YLabel: "RMSE", Kind: "line", XS: days(layout.Days),
		Note: "each version is the champion refreshed on validation and the released days up to its day; ab-eval scores the next day with it"}
	for _, v := range vs {
		c.add("fit RMSE", point{X: v.Version.Day, Y: v.Version.Metrics.FitRMSE})
	}
	return c
}
