package abtest

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/model/deploy"
)

// Retrain is the retrain step (docs/design.md §Models): for every day of days that
// passed its quality gate, with every earlier released day checked, it writes the
// version of the end of that day of each refreshable arm (deploy.Ensure: model.bin,
// then the marker deployed/<model>/day=NN/version.json, each only when its bytes
// changed). A version is computed from the champion, train, validation and the
// passing days up to its own, never from another version, so the days may come in any
// order. It returns the days it handled; a day not ready is skipped with its reason.
func (e *Evaluator) Retrain(ctx context.Context, days []int) ([]int, error) {
	g, err := e.gates(ctx, days)
	if err != nil || len(g.todo) == 0 {
		return nil, err
	}
	st, err := e.loadArms(ctx)
	if err != nil {
		return nil, err
	}
	if len(st.deployed) == 0 {
		e.skip(fmt.Sprintf("no refreshable model among %s and %s (only NCF has a refresh)", e.Opt.ModelA, e.Opt.ModelB))
		return nil, nil
	}
	var done []int
	for _, d := range g.todo {
		for _, h := range g.released {
			if h > d || slices.Contains(st.histDays, h) || !g.quality[h].Success {
				continue
			}
			if _, ok := st.batches[h]; !ok {
				if err := e.readBatch(ctx, st, h); err != nil {
					return done, err
				}
			}
			st.histDays = append(st.histDays, h)
			slices.Sort(st.histDays)
		}
		for _, a := range st.deployed {
			_, in, wrote, err := deploy.Ensure(ctx, e.Bucket, a.Champ, e.deployData(st, d), d)
			if err != nil {
				return done, fmt.Errorf("retrain %s after day %d: %w", a.Champ.Model, d, err)
			}
			e.Log.Info("retrain", "model", a.Champ.Model, "day", d, "key", in.Key, "written", wrote)
		}
		done = append(done, d)
	}
	return done, nil
}

// RetrainAll runs the retrain step for every released day.
func (e *Evaluator) RetrainAll(ctx context.Context) ([]int, error) {
	released, err := releasedDays(ctx, e.Bucket)
	if err != nil {
		return nil, err
	}
	return e.Retrain(ctx, released)
}

// RetrainOnKey runs the retrain step an event asks for: a day's A/B result (the day
// was scored, so its traffic is served) refreshes the versions with that day. Other
// keys are ignored.
func (e *Evaluator) RetrainOnKey(ctx context.Context, k layout.Key) ([]int, error) {
	if k.Kind != layout.KindABResult {
		e.Log.Info("ignore event", "key", k.String())
		return nil, nil
	}
	return e.Retrain(ctx, []int{int(k.Day)})
}

// loadArms reads train and validation and the champions of models A and B (no
// baselines are fitted) with their refreshable arms.
func (e *Evaluator) loadArms(ctx context.Context) (*state, error) {
	st, err := e.readSplits(ctx)
	if err != nil {
		return nil, err
	}
	for i, spec := range []string{e.Opt.ModelA, e.Opt.ModelB} {
		role := []string{RoleA, RoleB}[i]
		ref, s := ModelRef{Spec: spec}, Scorer{Role: role}
		if !strings.HasPrefix(spec, BaselinePrefix) {
			p, r, err := e.resolve(ctx, st, spec, nil)
			if err != nil {
				return nil, fmt.Errorf("model %s: %w", role, err)
			}
			ref, s.P = r, p
		}
		st.scorers = append(st.scorers, s)
		if role == RoleA {
			st.models.A = ref
		} else {
			st.models.B = ref
		}
	}
	if err := e.deployArms(ctx, st); err != nil {
		return nil, err
	}
	return st, nil
}
