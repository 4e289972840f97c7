package abtest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/scoring"
)

// Errors the caller may test with errors.Is.
var (
	// ErrNoChampion: a model's champion could not be loaded.
	ErrNoChampion = errors.New("champion not available")
	// ErrNotReleased: the day has no etl marker.
	ErrNotReleased = errors.New("day not released")
)

// LoadFunc loads a trained model's champion by model name: scoring.LoadPredictor.
type LoadFunc func(ctx context.Context, b blob.Bucket, name string) (scoring.Predictor, *scoring.Champion, error)

// Options configure an evaluation.
type Options struct {
	Dataset string // prepared/<Dataset>/...
	ModelA  string // e.g. "ncf", or "baseline:history-aware-bias"
	ModelB  string
	Stats   Stats
	Impact  ImpactConfig
	Load    LoadFunc // loads non-baseline models; required for them
	// History is the granularity of the scoring history (HistoryRow, the default
	// when empty, or HistoryDay).
	History string
	// Deployed serves each refreshable arm (NCF) as deployed: day d is scored by the
	// version refreshed at the end of day d−1 (model/deploy), with the frozen champion
	// beside it as a reference row (<model>-frozen).
	Deployed bool
	// FullRefreshEvery fully retrains a deployed arm's base at the end of every k-th
	// day (0: never, deploy.DefaultFullRefreshEvery); the retrain step and ab-eval must
	// agree (deploy.EnvFullRefreshEvery).
	FullRefreshEvery int
}

// History granularities: what a scored row's predictors may see of the feed.
const (
	// HistoryRow: every released row strictly before the row's time, its own day's
	// earlier rows included (train and validation always).
	HistoryRow = "row"
	// HistoryDay: only the released days before the row's day (a deployed model
	// refreshed once a day sees no more).
	HistoryDay = "day"
)

// CheckHistory reports whether h names a history granularity.
func CheckHistory(h string) error {
	if h != HistoryRow && h != HistoryDay {
		return fmt.Errorf("unknown history %q (have %s, %s)", h, HistoryRow, HistoryDay)
	}
	return nil
}

// history is the options' granularity, HistoryRow when unset.
func (o Options) history() string {
	if o.History == "" {
		return HistoryRow
	}
	return o.History
}

// DefaultOptions: NCF against SS4Rec on ml-latest-small, DefaultStats, DefaultImpact.
func DefaultOptions() Options {
	return Options{Dataset: etl.DefaultDataset, ModelA: "ncf", ModelB: "ss4rec", Stats: DefaultStats, Impact: DefaultImpact(), History: HistoryRow, Deployed: true}
}

// BaselinePrefix marks a baseline given as a model spec: baseline:<name> with a name of
// scoring.Baselines (global-mean, user-item-bias, history-aware-bias).
const BaselinePrefix = "baseline:"

// baselineNames are the names a baseline spec may give: scoring.Baselines'.
var baselineNames = []string{"global-mean", "user-item-bias", "history-aware-bias"}

// CheckModelSpec reports whether spec names a baseline (baseline:<name>) or one of
// models (the loadable model names), before anything is loaded.
func CheckModelSpec(spec string, models []string) error {
	if name, ok := strings.CutPrefix(spec, BaselinePrefix); ok {
		if !slices.Contains(baselineNames, name) {
			return fmt.Errorf("unknown baseline %q (have %s%s)", spec, BaselinePrefix, strings.Join(baselineNames, ", "+BaselinePrefix))
		}
		return nil
	}
	if !slices.Contains(models, spec) {
		return fmt.Errorf("unknown model %q (have %s, or %s<%s>)", spec, strings.Join(models, ", "), BaselinePrefix, strings.Join(baselineNames, "|"))
	}
	return nil
}

// Evaluator runs ab-eval against one bucket.
type Evaluator struct {
	Bucket blob.Bucket
	Opt    Options
	Log    *slog.Logger

	// Skipped lists why the last calls left something undone ("day 3: ...").
	Skipped []string
	// NoCache neither reads nor writes abtest/cache/ (derived artifacts that only save
	// time: the outputs are the same bytes with or without them).
	NoCache bool
}

// state is what one invocation loads once and reuses across days.
type state struct {
	train, val []ratings.Rating
	inputs     []Input // train, val
	trainIx    TrainIndex
	scorers    []Scorer
	models     Models
	hist       *scoring.History
	histReady  chan struct{} // closed once trainIx and hist are built
	histDays   []int
	batches    map[int][]ratings.Rating
	batchIn    map[int]Input
	tuning     []scoring.Tuning
	deployed   []deployedArm
	champVal   map[string]float64 // the champions' validation RMSE
	champDoc   map[string]*scoring.Champion
}

// RunDays evaluates the given days (released, quality passed) and rebuilds the summary
// and the report. A day whose quality report is missing or failed is skipped with a
// logged reason; it returns the days that got a result.
func (e *Evaluator) RunDays(ctx context.Context, days []int) ([]int, error) {
	g, err := e.gates(ctx, days)
	if err != nil {
		return nil, err
	}
	released, quality, qualityIn, todo := g.released, g.quality, g.qualityIn, g.todo
	if err := CheckHistory(e.Opt.history()); err != nil {
		return nil, err
	}
	var done []int
	if len(todo) > 0 {
		st, err := e.load(ctx)
		if err != nil {
			return nil, err
		}
		for _, d := range todo {
			// History: train + val + every released day up to d (row) or before d (day)
			// whose quality passed.
			for _, h := range released {
				if h > d || (h == d && e.Opt.history() == HistoryDay) || slices.Contains(st.histDays, h) || !quality[h].Success {
					continue
				}
				if err := e.addBatch(ctx, st, h); err != nil {
					return nil, err
				}
			}
			if _, ok := st.batches[d]; !ok {
				if err := e.readBatch(ctx, st, d); err != nil {
					return nil, err
				}
			}
			if err := e.evalDay(ctx, st, d, quality[d], qualityIn[d]); err != nil {
				return done, err
			}
			done = append(done, d)
		}
	}
	if err := e.Rebuild(ctx); err != nil {
		return done, err
	}
	return done, nil
}

// dayGates are the released days, their quality reports, and the days of a request
// that may be worked on: released, passed, and with every earlier released day checked.
type dayGates struct {
	released  []int
	quality   map[int]QualityRef
	qualityIn map[int]Input
	todo      []int
}

// gates reads the released days and their quality reports and keeps the days of days
// whose history is final (see RunDays); every other day is skipped with its reason.
func (e *Evaluator) gates(ctx context.Context, days []int) (*dayGates, error) {
	released, err := releasedDays(ctx, e.Bucket)
	if err != nil {
		return nil, err
	}
	g := &dayGates{released: released, quality: map[int]QualityRef{}, qualityIn: map[int]Input{}}
	for _, d := range released {
		q, in, err := readQuality(ctx, e.Bucket, d)
		switch {
		case errors.Is(err, blob.ErrNotFound):
			continue
		case err != nil:
			return nil, err
		}
		g.quality[d], g.qualityIn[d] = q, in
	}
	days = slices.Clone(days)
	slices.Sort(days)
	days = slices.Compact(days)
	// A day's history is every earlier released day whose quality passed: it is
	// final once every earlier released day has its verdict. Until then the day
	// waits (the missing report's event evaluates it), so that a result never
	// depends on which days were checked first.
	unchecked := func(d int) int {
		for _, h := range released {
			if _, ok := g.quality[h]; h < d && !ok {
				return h
			}
		}
		return 0
	}
	for _, d := range days {
		switch q, ok := g.quality[d]; {
		case !slices.Contains(released, d):
			return nil, fmt.Errorf("day %d: %w (no %s)", d, ErrNotReleased, layout.ETLManifest(layout.Day(d)))
		case !ok:
			e.skip(fmt.Sprintf("day %d: no quality report yet at %s", d, layout.QualityReport(layout.Day(d))))
		case !q.Success:
			e.skip(fmt.Sprintf("day %d: quality report %s says success=false", d, q.Key))
		case unchecked(d) > 0:
			h := unchecked(d)
			e.skip(fmt.Sprintf("day %d: released day %d has no quality report yet at %s, so day %d's history is not final (that report's event evaluates day %d)",
				d, h, layout.QualityReport(layout.Day(h)), d, d))
		default:
			g.todo = append(g.todo, d)
		}
	}
	return g, nil
}

// RunAll evaluates every released day whose quality report passed.
func (e *Evaluator) RunAll(ctx context.Context) ([]int, error) {
	released, err := releasedDays(ctx, e.Bucket)
	if err != nil {
		return nil, err
	}
	return e.RunDays(ctx, released)
}

// OnKey runs what an object event on key k asks for. A quality report evaluates its
// day (when it passed) and again every later released day: a day is evaluated only
// once every earlier released day has its verdict (see RunDays), so whatever order
// the reports arrive in, each result is written from its final history. A champion of model A or B re-evaluates every released day. Other keys
// are ignored.
func (e *Evaluator) OnKey(ctx context.Context, k layout.Key) ([]int, error) {
	switch k.Kind {
	case layout.KindQualityReport:
		return e.onQualityReport(ctx, int(k.Day))
	case layout.KindChampion:
		return e.onChampion(ctx, k)
	case layout.KindModelVersion:
		return e.onVersion(ctx, k)
	}
	e.Log.Info("ignore event", "key", k.String())
	return nil, nil
}

func (e *Evaluator) onQualityReport(ctx context.Context, d int) ([]int, error) {
	released, err := releasedDays(ctx, e.Bucket)
	if err != nil {
		return nil, err
	}
	// Later released days wait for this report (see RunDays): passed or failed, it
	// completes their history, so they are evaluated again too.
	days := []int{d}
	for _, h := range released {
		if h > d {
			days = append(days, h)
		}
	}
	return e.RunDays(ctx, days) // reports the failed or missing report of d
}

func (e *Evaluator) onChampion(ctx context.Context, k layout.Key) ([]int, error) {
	key := k.String()
	if k.Model != e.Opt.ModelA && k.Model != e.Opt.ModelB {
		e.Log.Info("ignore champion of a model not compared", "key", key, "a", e.Opt.ModelA, "b", e.Opt.ModelB)
		return nil, nil
	}
	// The first of the two champions to appear has nothing to be compared with yet.
	for _, spec := range []string{e.Opt.ModelA, e.Opt.ModelB} {
		if strings.HasPrefix(spec, BaselinePrefix) {
			continue
		}
		ok, err := blob.Exists(ctx, e.Bucket, layout.Champion(spec))
		if err != nil {
			return nil, err
		}
		if !ok {
			e.skip(fmt.Sprintf("%s changed, but %s does not exist yet: nothing to compare", key, layout.Champion(spec)))
			return nil, nil
		}
	}
	return e.RunAll(ctx)
}

// readSplits reads train and validation into a new state.
func (e *Evaluator) readSplits(ctx context.Context) (*state, error) {
	st := &state{batches: map[int][]ratings.Rating{}, batchIn: map[int]Input{}, champVal: map[string]float64{}, champDoc: map[string]*scoring.Champion{}}
	for _, name := range []string{layout.TrainName, layout.ValName} {
		key := layout.Prepared(e.Opt.Dataset, name)
		rows, in, err := readRatings(ctx, e.Bucket, key)
		if err != nil {
			return nil, err
		}
		st.inputs = append(st.inputs, in)
		if name == layout.TrainName {
			st.train = rows
		} else {
			st.val = rows
		}
	}
	return st, nil
}

func (e *Evaluator) load(ctx context.Context) (*state, error) {
	st, err := e.readSplits(ctx)
	if err != nil {
		return nil, err
	}
	// The train index and the history on a second core while the baselines are fit:
	// checkTuning waits for the history.
	st.histReady = make(chan struct{})
	go func() {
		defer close(st.histReady)
		st.trainIx = IndexTrain(st.train, st.val)
		st.hist = scoring.NewHistory(st.train, st.val)
	}()
	base, tuning, err := e.tunedBaselines(ctx, st)
	<-st.histReady
	if err != nil {
		return nil, err
	}
	st.tuning = tuning
	a, refA, err := e.resolve(ctx, st, e.Opt.ModelA, base)
	if err != nil {
		return nil, fmt.Errorf("model A: %w", err)
	}
	b, refB, err := e.resolve(ctx, st, e.Opt.ModelB, base)
	if err != nil {
		return nil, fmt.Errorf("model B: %w", err)
	}
	st.models = Models{A: refA, B: refB}
	st.scorers = []Scorer{{Role: RoleA, P: a}, {Role: RoleB, P: b}}
	for _, p := range base {
		st.scorers = append(st.scorers, Scorer{Role: RoleBaseline, P: p})
	}
	if err := e.deployArms(ctx, st); err != nil {
		return nil, err
	}
	return st, nil
}

// resolve turns a model spec into a predictor.
func (e *Evaluator) resolve(ctx context.Context, st *state, spec string, base []scoring.Predictor) (scoring.Predictor, ModelRef, error) {
	if name, ok := strings.CutPrefix(spec, BaselinePrefix); ok {
		for _, p := range base {
			if p.Name() == name {
				return p, ModelRef{Spec: spec, Name: p.Name()}, nil
			}
		}
		return nil, ModelRef{}, fmt.Errorf("unknown baseline %q (have global-mean, user-item-bias, history-aware-bias)", spec)
	}
	key := layout.Champion(spec)
	_, in, err := readInput(ctx, e.Bucket, key)
	if err != nil {
		return nil, ModelRef{}, fmt.Errorf("%w: %w", ErrNoChampion, err)
	}
	if e.Opt.Load == nil {
		return nil, ModelRef{}, fmt.Errorf("%w: no model loader for %q", ErrNoChampion, spec)
	}
	p, champ, err := e.Opt.Load(ctx, e.Bucket, spec)
	if err != nil {
		return nil, ModelRef{}, fmt.Errorf("%w: load %s: %w", ErrNoChampion, key, err)
	}
	if champ != nil && champ.Dataset != "" && champ.Dataset != e.Opt.Dataset {
		return nil, ModelRef{}, fmt.Errorf("%s: trained on dataset %q, evaluating %q", key, champ.Dataset, e.Opt.Dataset)
	}
	if champ != nil && st != nil {
		st.champVal[spec] = champ.ValRMSE
		st.champDoc[spec] = champ
	}
	return p, ModelRef{Spec: spec, Name: p.Name(), Champion: &in}, nil
}

// addBatch reads day d's batch (once) and adds it to the scoring history.
func (e *Evaluator) addBatch(ctx context.Context, st *state, d int) error {
	if _, ok := st.batches[d]; !ok {
		if err := e.readBatch(ctx, st, d); err != nil {
			return err
		}
	}
	st.hist.Add(st.batches[d])
	st.histDays = append(st.histDays, d)
	slices.Sort(st.histDays)
	return nil
}

// readBatch reads day d's batch and its checksum into st.
func (e *Evaluator) readBatch(ctx context.Context, st *state, d int) error {
	man, err := etl.ReadDayManifest(ctx, e.Bucket, d)
	if err != nil {
		return fmt.Errorf("day %d: %w", d, err)
	}
	if man.Dataset != "" && man.Dataset != e.Opt.Dataset {
		return fmt.Errorf("%s: dataset %q, evaluating %q", layout.ETLManifest(layout.Day(d)), man.Dataset, e.Opt.Dataset)
	}
	key := layout.Batch(layout.Day(d))
	rows, in, err := readRatings(ctx, e.Bucket, key)
	if err != nil {
		return err
	}
	st.batches[d], st.batchIn[d] = rows, in
	return nil
}

func (e *Evaluator) evalDay(ctx context.Context, st *state, d int, q QualityRef, qIn Input) error {
	rows := st.batches[d]
	log := e.Log.With("day", d, "rows", len(rows))
	versions, err := e.serveDeployed(ctx, st, d)
	if err != nil {
		return err
	}
	t0 := time.Now()
	sc, err := ScoreDay(ctx, st.hist, rows, st.trainIx, st.scorers)
	if err != nil {
		return fmt.Errorf("day %d: %w", d, err)
	}
	t1 := time.Now()
	cmp, err := Compare(sc.Units, e.Opt.Stats, st.models.A.Name, st.models.B.Name)
	if err != nil {
		return fmt.Errorf("day %d: %w", d, err)
	}
	// Timings go to the log only: outputs stay a pure function of the inputs.
	log = log.With("users", sc.Population.Users, "score_s", time.Since(t0).Seconds()-time.Since(t1).Seconds(), "stats_s", time.Since(t1).Seconds())
	units := EncodeUnits(sc.Units)
	res := Result{
		Schema: ResultSchema, Day: d, Dataset: e.Opt.Dataset, Models: st.models, Quality: q,
		History: e.Opt.history(), HistoryDays: slices.Clone(st.histDays), Population: sc.Population, Metrics: sc.Models,
		Comparison: cmp, Units: inputOf(layout.ABUnits(layout.Day(d)), units),
		Bar: sc.Bar, BaselineTuning: st.tuning, Versions: versions,
	}
	res.Inputs = append(slices.Clone(st.inputs), qIn)
	for _, h := range st.histDays {
		if h < d {
			res.Inputs = append(res.Inputs, st.batchIn[h])
		}
	}
	res.Inputs = append(res.Inputs, st.batchIn[d])
	for _, m := range []ModelRef{st.models.A, st.models.B} {
		if m.Champion != nil {
			res.Inputs = append(res.Inputs, *m.Champion)
		}
	}
	res.Inputs = append(res.Inputs, versions...)
	// The units first, the result (the day's marker) last.
	if err := e.put(ctx, layout.ABUnits(layout.Day(d)), units); err != nil {
		return err
	}
	data, err := blob.MarshalJSON(res)
	if err != nil {
		return fmt.Errorf("encode %s: %w", layout.ABResult(layout.Day(d)), err)
	}
	if err := e.put(ctx, layout.ABResult(layout.Day(d)), data); err != nil {
		return err
	}
	log.Info("evaluated", "verdict", cmp.Verdict)
	return nil
}

func (e *Evaluator) skip(reason string) {
	e.Skipped = append(e.Skipped, reason)
	e.Log.Warn("skip", "reason", reason)
}

// put writes data unless identical bytes are already there.
func (e *Evaluator) put(ctx context.Context, key string, data []byte) error {
	_, _, err := blob.PutIfChanged(ctx, e.Bucket, key, data)
	if err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	return nil
}
