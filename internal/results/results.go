package results

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/recpipe/recpipe/abtest"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/model/scoring"
)

// Schema is the document's schema name.
const Schema = "results/v1"

// Command is what produces the document.
const Command = "make results"

// ErrIncomplete: the bucket does not hold a whole run (a day missing from the
// cumulative comparison, a champion without its training summary, ...).
var ErrIncomplete = errors.New("the bucket does not hold one complete run")

// Doc is docs/results.json.
type Doc struct {
	Schema  string `json:"schema"`
	Command string `json:"command"`
	Dataset string `json:"dataset"`
	Split   Split  `json:"split"`
	Feed    Feed   `json:"feed"`
	// Models maps an arm's name (ncf, ss4rec, the baselines by their names; frozen
	// references such as ncf-frozen with role "reference" once models are refreshed)
	// to its figures.
	Models map[string]Model `json:"models"`
	// A and B are the compared arms; the verdict is the primary metric's, all users,
	// unit user.
	A        string           `json:"a"`
	B        string           `json:"b"`
	Primary  string           `json:"primary_metric"`
	Winner   string           `json:"winner"`
	Verdict  string           `json:"verdict"`
	Verdicts []abtest.Verdict `json:"verdicts"`
	// History is the scoring history's granularity (abtest.HistoryRow or HistoryDay).
	History string `json:"history,omitempty"`
	// Bar is the tuned baseline every model is also judged against; BarVerdicts are
	// A's and B's verdicts against it (b = the bar).
	Bar            string           `json:"bar,omitempty"`
	BarVerdicts    []abtest.Verdict `json:"bar_verdicts,omitempty"`
	BaselineTuning []scoring.Tuning `json:"baseline_tuning,omitempty"`
	Stats          abtest.Stats     `json:"stats"`
	Method         string           `json:"method"`
	Impact         *abtest.Impact   `json:"impact,omitempty"`
	// Ablations are SS4Rec's ablations, quoted from docs/ss4rec-ablations.json
	// (AddAblations); make results does not recompute them.
	Ablations *Ablations     `json:"ablations,omitempty"`
	Sources   []abtest.Input `json:"sources"`
}

// Split counts the rows of the prepared splits.
type Split struct {
	Train int `json:"train"`
	Val   int `json:"val"`
	Test  int `json:"test"`
}

// Feed is what ab-eval compared: the released days (the test split, day by day).
type Feed struct {
	Days     []int                      `json:"days"`
	Rows     int                        `json:"rows"`
	Users    int                        `json:"users"`
	Segments []abtest.SegmentPopulation `json:"segments"`
}

// Model is one arm's figures: validation RMSE from its training run (baselines: fitted
// on train, scored in the same run), test RMSE and MAE over the whole feed from ab-eval,
// for all rows and per user segment.
type Model struct {
	Role   string `json:"role"`             // a | b | baseline | reference
	Run    string `json:"run,omitempty"`    // a trained model's run
	Config string `json:"config,omitempty"` // its effective config in the bucket
	// Params are a baseline's hyper-parameters, chosen on validation (BaselineTuning).
	Params            map[string]float64 `json:"params,omitempty"`
	ValRMSE           *float64           `json:"val_rmse"`
	TestRMSE          *float64           `json:"test_rmse"`
	TestRMSENew       *float64           `json:"test_rmse_new_users"`
	TestRMSEReturning *float64           `json:"test_rmse_returning_users"`
	TestMAE           *float64           `json:"test_mae"`
}

// trainSummary is what results reads of a training run's summary.json.
type trainSummary struct {
	Model      string `json:"model"`
	Run        string `json:"run"`
	Dataset    string `json:"dataset"`
	ConfigKey  string `json:"config_key"`
	Validation map[string]struct {
		All struct {
			RMSE float64 `json:"rmse"`
		} `json:"all"`
	} `json:"validation"`
	Test map[string]struct {
		All struct {
			RMSE float64 `json:"rmse"`
			N    int     `json:"n"`
		} `json:"all"`
	} `json:"test"`
}

type champion struct {
	Model      string `json:"model"`
	Run        string `json:"run"`
	Dataset    string `json:"dataset"`
	SummaryKey string `json:"summary_key"`
}

// reader reads JSON documents and records their checksums.
type reader struct {
	b       blob.Bucket
	sources []abtest.Input
}

func (r *reader) json(ctx context.Context, key string, v any) error {
	data, err := blob.ReadAll(ctx, r.b, key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode %s: %w", key, err)
	}
	sum := sha256.Sum256(data)
	r.sources = append(r.sources, abtest.Input{Key: key, SHA256: hex.EncodeToString(sum[:]), Bytes: len(data)})
	return nil
}

// Build reads one run's outputs from b and assembles the document.
func Build(ctx context.Context, b blob.Bucket) (*Doc, error) {
	r := &reader{b: b}
	var sum abtest.Summary
	if err := r.json(ctx, layout.ABSummary, &sum); err != nil {
		return nil, err
	}
	c := sum.Cumulative
	if sum.Schema != abtest.SummarySchema || c == nil {
		return nil, fmt.Errorf("%s: schema %q, cumulative %v: %w", layout.ABSummary, sum.Schema, c != nil, ErrIncomplete)
	}
	if len(c.Days) != layout.Days {
		return nil, fmt.Errorf("%s: the cumulative comparison holds days %v, not all %d: %w", layout.ABSummary, c.Days, layout.Days, ErrIncomplete)
	}
	var prep struct {
		Dataset string `json:"dataset"`
		Splits  map[string]struct {
			Rows int `json:"rows"`
		} `json:"splits"`
	}
	if err := r.json(ctx, layout.PreparedManifest(sum.Dataset), &prep); err != nil {
		return nil, err
	}
	pv := c.Primary()
	if pv == nil {
		return nil, fmt.Errorf("%s: no verdict on %s: %w", layout.ABSummary, c.Stats.Primary, ErrIncomplete)
	}
	d := &Doc{Schema: Schema, Command: Command, Dataset: sum.Dataset,
		Split: Split{Train: prep.Splits["train"].Rows, Val: prep.Splits["val"].Rows, Test: prep.Splits["test"].Rows},
		Feed:  Feed{Days: c.Days, Rows: c.Rows, Users: c.Users, Segments: c.Segments},
		A:     sum.Models.A.Name, B: sum.Models.B.Name, Primary: c.Stats.Primary, Winner: c.Winner, Verdict: c.Verdict,
		Verdicts: c.Verdicts, Stats: c.Stats, Method: c.Method, Impact: c.Impact, Models: map[string]Model{},
		History: sum.History, Bar: c.Bar, BarVerdicts: c.BarVerdicts, BaselineTuning: c.BaselineTuning}
	if d.Feed.Rows != d.Split.Test {
		return nil, fmt.Errorf("the feed compared %d rows, the test split holds %d: %w", d.Feed.Rows, d.Split.Test, ErrIncomplete)
	}
	for _, m := range c.Metrics {
		fig := Model{Role: m.Role, TestRMSE: num(m.RMSE), TestMAE: num(m.MAE)}
		for _, s := range m.Segments {
			switch s.Segment {
			case abtest.SegmentNew:
				fig.TestRMSENew = s.RMSE
			case abtest.SegmentReturning:
				fig.TestRMSEReturning = s.RMSE
			}
		}
		for _, t := range c.BaselineTuning {
			if t.Name == m.Name && m.Role == abtest.RoleBaseline {
				fig.Params = t.Params
			}
		}
		d.Models[m.Name] = fig
	}
	if err := r.validation(ctx, d, sum.Models); err != nil {
		return nil, err
	}
	d.Sources = r.sources
	return d, nil
}

// validation fills the validation RMSE of every arm from the compared models' training
// summaries: the model's own, and the baselines' (fitted on train in each run: both
// runs must agree on them, and on the test RMSE ab-eval measured over the feed).
func (r *reader) validation(ctx context.Context, d *Doc, refs abtest.Models) error {
	for _, ref := range []abtest.ModelRef{refs.A, refs.B} {
		if strings.HasPrefix(ref.Spec, abtest.BaselinePrefix) {
			continue
		}
		var ch champion
		if err := r.json(ctx, layout.Champion(ref.Spec), &ch); err != nil {
			return err
		}
		var ts trainSummary
		if err := r.json(ctx, ch.SummaryKey, &ts); err != nil {
			return err
		}
		if ts.Dataset != d.Dataset || ts.Run != ch.Run {
			return fmt.Errorf("%s: run %s on %s, champion %s on %s: %w", ch.SummaryKey, ts.Run, ts.Dataset, ch.Run, d.Dataset, ErrIncomplete)
		}
		for name, fig := range d.Models {
			v, ok := ts.Validation[name]
			switch {
			case name == ref.Name:
				if !ok {
					return fmt.Errorf("%s: no validation score of %s: %w", ch.SummaryKey, name, ErrIncomplete)
				}
				fig.Run, fig.Config, fig.ValRMSE = ts.Run, ts.ConfigKey, num(v.All.RMSE)
			case fig.Role == abtest.RoleBaseline && ok:
				if fig.ValRMSE != nil && *fig.ValRMSE != v.All.RMSE {
					return fmt.Errorf("%s: validation RMSE of %s %v, another run has %v", ch.SummaryKey, name, v.All.RMSE, *fig.ValRMSE)
				}
				fig.ValRMSE = num(v.All.RMSE)
			default:
				continue
			}
			// The run's own test score (history train+val+test) is ab-eval's over the feed:
			// the frozen reference row's when the arm was served as deployed.
			scored := fig
			frozen, isDeployed := d.Models[name+abtest.FrozenSuffix]
			if isDeployed && name == ref.Name {
				scored = frozen
			}
			if t, ok := ts.Test[name]; ok && scored.TestRMSE != nil && math.Abs(t.All.RMSE-*scored.TestRMSE) > 1e-9 {
				return fmt.Errorf("%s: test RMSE of %s %v, ab-eval measured %v over the feed", ch.SummaryKey, name, t.All.RMSE, *scored.TestRMSE)
			}
			d.Models[name] = fig
			if isDeployed && name == ref.Name {
				frozen.Run, frozen.Config, frozen.ValRMSE = fig.Run, fig.Config, fig.ValRMSE
				d.Models[name+abtest.FrozenSuffix] = frozen
			}
		}
	}
	return nil
}

// num returns a pointer to v, or nil when v is not finite.
func num(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// jsonStrict decodes data into v, refusing unknown fields.
func jsonStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
