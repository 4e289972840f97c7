package abtest

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/deploy"
	"github.com/recpipe/recpipe/model/scoring"
)

// RoleReference marks a frozen champion scored beside its deployed arm (ncf-frozen).
const RoleReference = "reference"

// FrozenSuffix names a frozen champion's reference row: <model>-frozen.
const FrozenSuffix = "-frozen"

// deployedArm is a compared model served as deployed: scorer Index is refreshed every
// day with the version of the day before (deploy.Ensure).
type deployedArm struct {
	Index int
	Champ *deploy.Champion
}

// renamed is a predictor under another name (the frozen reference rows).
type renamed struct {
	scoring.Predictor
	name string
}

func (r renamed) Name() string { return r.name }

// deployArms finds the refreshable arms among the scorers (A and B), adds each one's
// frozen champion as a reference scorer, and returns them.
func (e *Evaluator) deployArms(ctx context.Context, st *state) error {
	if !e.Opt.Deployed {
		return nil
	}
	for i, s := range st.scorers[:2] {
		ref := st.models.A
		if s.Role == RoleB {
			ref = st.models.B
		}
		if ref.Champion == nil {
			continue // a baseline
		}
		c, err := deploy.AsChampion(ref.Spec, s.P, st.champDoc[ref.Spec], deploy.Input(*ref.Champion))
		if errors.Is(err, deploy.ErrNotRefreshable) {
			continue
		}
		c.ValRMSE = st.champVal[ref.Spec]
		if err := c.EnableFullRefresh(ctx, e.Bucket, e.Opt.FullRefreshEvery); err != nil {
			return err
		}
		st.deployed = append(st.deployed, deployedArm{Index: i, Champ: c})
		st.scorers = append(st.scorers, Scorer{Role: RoleReference, P: renamed{s.P, ref.Name + FrozenSuffix}})
	}
	return nil
}

// deployData is what the versions are computed from: train, validation and the
// batches of the passing days in the history, and day d's.
func (e *Evaluator) deployData(st *state, d int) *deploy.Data {
	data := &deploy.Data{Dataset: e.Opt.Dataset, Train: st.train, Val: st.val,
		TrainIn: deploy.Input(st.inputs[0]), ValIn: deploy.Input(st.inputs[1]),
		Batches: map[int][]ratings.Rating{}, BatchIn: map[int]deploy.Input{}}
	for _, h := range append(slices.Clone(st.histDays), d) {
		data.Batches[h], data.BatchIn[h] = st.batches[h], deploy.Input(st.batchIn[h])
	}
	return data
}

// serveDeployed puts the version that existed at the end of day d−1 behind every
// deployed arm: that of the last day before d that passed its gate (the champion when
// none did). It never saw day d. It returns the versions' markers.
func (e *Evaluator) serveDeployed(ctx context.Context, st *state, d int) ([]Input, error) {
	prev := 0
	for _, h := range st.histDays {
		if h < d {
			prev = max(prev, h)
		}
	}
	var out []Input
	for _, a := range st.deployed {
		p, in, wrote, err := deploy.Ensure(ctx, e.Bucket, a.Champ, e.deployData(st, d), prev)
		if err != nil {
			return nil, fmt.Errorf("day %d: version of day %d of %s: %w", d, prev, a.Champ.Model, err)
		}
		if wrote {
			e.Log.Info("deployed version written", "key", in.Key)
		}
		st.scorers[a.Index].P = p
		if in.Key != "" {
			out = append(out, Input(in))
		}
	}
	return out, nil
}

// onVersion scores the day after a new version's day, when it is released.
func (e *Evaluator) onVersion(ctx context.Context, k layout.Key) ([]int, error) {
	if k.Model != e.Opt.ModelA && k.Model != e.Opt.ModelB {
		e.Log.Info("ignore version of a model not compared", "key", k.String())
		return nil, nil
	}
	released, err := releasedDays(ctx, e.Bucket)
	if err != nil {
		return nil, err
	}
	next := int(k.Day) + 1
	if !slices.Contains(released, next) {
		e.skip(fmt.Sprintf("%s written; day %d is not released yet (its quality report will score it)", k.String(), next))
		return nil, nil
	}
	return e.RunDays(ctx, []int{next})
}
