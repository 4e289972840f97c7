package pipelinestatus

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"sort"

	"github.com/recpipe/recpipe/abtest"
	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/redact"
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/trainer"
	"github.com/recpipe/recpipe/quality"
)

// Schema is the schema name of `pipeline status --json` and of the dashboard's /api/status.
const Schema = "pipeline-status/v1"

// Snapshot is where the pipeline stands, read from the bucket alone.
type Snapshot struct {
	Schema   string         `json:"schema"`
	Bucket   string         `json:"bucket"`
	Datasets []DatasetState `json:"datasets"`
	Models   []ModelState   `json:"models"`
	ETL      *etl.Status    `json:"etl,omitempty"`
	Days     []DayState     `json:"days"`
	AB       *ABState       `json:"ab,omitempty"`
	Runs     []RunState     `json:"runs"`
	// Running are the runs in progress (their lease is alive); Attention the failed
	// and abandoned runs whose work no later run has done, newest first.
	Running   []RunRef `json:"running"`
	Attention []RunRef `json:"attention"`
	// GatesFailed are the days whose quality gate failed (an error-severity check),
	// in day order: their batch goes no further down the chain until it is fixed.
	GatesFailed []GateRef `json:"gates_failed"`
	Report      string    `json:"report,omitempty"` // abtest/report.html when present
}

// DatasetState is one prepared dataset.
type DatasetState struct {
	Name  string `json:"name"`
	Train int    `json:"train_rows"`
	Val   int    `json:"val_rows"`
	Test  int    `json:"test_rows"`
}

// ModelState is one model's champion, with the test scores of its training summary.
type ModelState struct {
	Model    string             `json:"model"`
	Run      string             `json:"run"`
	Dataset  string             `json:"dataset"`
	ValRMSE  float64            `json:"val_rmse"`
	TestRMSE map[string]float64 `json:"test_rmse"` // the model's and the baselines', by predictor
}

// DayState is one day of the feed: released rows, quality verdict, A/B outcome.
type DayState struct {
	Day          int              `json:"day"`
	Rows         int              `json:"rows"`
	Rejected     int              `json:"rejected"`
	Quality      string           `json:"quality"` // passed, failed, or pending
	ChecksFailed []string         `json:"checks_failed,omitempty"`
	ABWinner     string           `json:"ab_winner,omitempty"`
	ABDiff       *float64         `json:"ab_primary_diff,omitempty"`
	ABCI         *abtest.Interval `json:"ab_primary_ci,omitempty"`
}

// GateRef is one day whose quality gate failed: its report and the error-severity
// checks that failed, each as "check: what it saw".
type GateRef struct {
	Day    int      `json:"day"`
	Report string   `json:"report"`
	Checks []string `json:"checks"`
}

// ABState is the cumulative A/B comparison of abtest/summary.json.
type ABState struct {
	Models  abtest.Models    `json:"models"`
	Days    []int            `json:"days"`
	Primary string           `json:"primary_metric"`
	Winner  string           `json:"winner"`
	Diff    *float64         `json:"primary_diff,omitempty"`
	CI      *abtest.Interval `json:"primary_ci,omitempty"` // the verdict's always-valid interval
	Verdict string           `json:"verdict"`
}

// Read reads every part of the pipeline's state that exists; a part that is
// missing is left empty, a part that is unreadable is an error naming its key.
func Read(ctx context.Context, b blob.Bucket) (*Snapshot, error) {
	s := &Snapshot{Schema: Schema, Bucket: redact.URL(b.URL()), Datasets: []DatasetState{}, Models: []ModelState{}, Days: []DayState{}, Runs: []RunState{}, Running: []RunRef{}, Attention: []RunRef{}, GatesFailed: []GateRef{}}
	steps := []func(context.Context, blob.Bucket, *Snapshot) error{readDatasets, readModels, readETL, readDays, readAB, readRuns}
	for _, step := range steps {
		if err := step(ctx, b, s); err != nil {
			return nil, err
		}
	}
	if ok, err := blob.Exists(ctx, b, layout.ABReport); err != nil {
		return nil, err
	} else if ok {
		s.Report = layout.ABReport
	}
	return s, nil
}

func readDatasets(ctx context.Context, b blob.Bucket, s *Snapshot) error {
	list, err := layout.ListKind(ctx, b, layout.KindPrepared)
	if err != nil {
		return err
	}
	for _, a := range list {
		ds := a.Parsed.Dataset
		if a.Parsed.Name != layout.ManifestName {
			continue
		}
		p, err := etl.LoadPrepared(ctx, b, ds)
		if err != nil {
			return err
		}
		s.Datasets = append(s.Datasets, DatasetState{Name: ds, Train: p.Splits.Train.Rows, Val: p.Splits.Val.Rows, Test: p.Splits.Test.Rows})
	}
	return nil
}

func readModels(ctx context.Context, b blob.Bucket, s *Snapshot) error {
	list, err := layout.ListKind(ctx, b, layout.KindChampion)
	if err != nil {
		return err
	}
	for _, a := range list {
		var c scoring.Champion
		if err := blob.ReadJSON(ctx, b, a.Key, &c); err != nil {
			return err
		}
		ms := ModelState{Model: c.Model, Run: c.Run, Dataset: c.Dataset, ValRMSE: c.ValRMSE, TestRMSE: map[string]float64{}}
		var sum trainer.Summary
		switch err := blob.ReadJSON(ctx, b, c.SummaryKey, &sum); {
		case err == nil:
			for name, sc := range sum.Test {
				ms.TestRMSE[name] = sc.All.RMSE
			}
		case errors.Is(err, blob.ErrNotFound):
			ms.TestRMSE[c.Model] = c.TestRMSE
		default:
			return err
		}
		s.Models = append(s.Models, ms)
	}
	return nil
}

func readETL(ctx context.Context, b blob.Bucket, s *Snapshot) error {
	var st etl.Status
	switch err := blob.ReadJSON(ctx, b, layout.ETLStatus, &st); {
	case errors.Is(err, blob.ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	s.ETL = &st
	return nil
}

func readDays(ctx context.Context, b blob.Bucket, s *Snapshot) error {
	ms, err := etl.DayManifests(ctx, b)
	if err != nil {
		return err
	}
	byDay := map[int]*DayState{}
	for _, m := range ms {
		byDay[m.Day] = &DayState{Day: m.Day, Rows: m.Rows, Rejected: m.Rejected, Quality: "pending"}
	}
	reps, err := quality.Reports(ctx, b)
	if err != nil {
		return err
	}
	for _, r := range reps {
		d := dayState(byDay, r.Day)
		d.Quality = "passed"
		if !r.Success {
			d.Quality = "failed"
		}
		gate := GateRef{Day: r.Day, Report: layout.QualityReport(layout.Day(r.Day)), Checks: []string{}}
		for _, res := range r.Results {
			if res.Success {
				continue
			}
			d.ChecksFailed = append(d.ChecksFailed, string(res.Severity)+":"+res.Check)
			if res.Severity == quality.Error {
				gate.Checks = append(gate.Checks, res.Check+": "+res.Describe())
			}
		}
		if !r.Success {
			s.GatesFailed = append(s.GatesFailed, gate)
		}
	}
	results, err := layout.ListDays(ctx, b, layout.KindABResult)
	if err != nil {
		return err
	}
	for _, a := range results {
		day := int(a.Day)
		var r abtest.Result
		if err := blob.ReadJSON(ctx, b, a.Key, &r); err != nil {
			return err
		}
		d := dayState(byDay, day)
		d.ABWinner = r.Comparison.Winner
		if pm := Primary(r.Comparison); pm != nil {
			d.ABDiff, d.ABCI = pm.MeanUserDiff, pm.MeanUserDiffCI
		}
	}
	for _, d := range byDay {
		s.Days = append(s.Days, *d)
	}
	sort.Slice(s.Days, func(i, j int) bool { return s.Days[i].Day < s.Days[j].Day })
	return nil
}

func dayState(m map[int]*DayState, d int) *DayState {
	if m[d] == nil {
		m[d] = &DayState{Day: d, Quality: "pending"}
	}
	return m[d]
}

// Primary is the comparison of the verdict's metric, or nil when c has none.
func Primary(c abtest.Comparison) *abtest.MetricComparison {
	for i := range c.Metrics {
		if c.Metrics[i].Metric == c.Stats.Primary {
			return &c.Metrics[i]
		}
	}
	return nil
}

func readAB(ctx context.Context, b blob.Bucket, s *Snapshot) error {
	var sum abtest.Summary
	switch err := blob.ReadJSON(ctx, b, layout.ABSummary, &sum); {
	case errors.Is(err, blob.ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	ab := &ABState{Models: sum.Models, Days: []int{}}
	if c := sum.Cumulative; c != nil {
		ab.Days = c.Days
		ab.Primary, ab.Winner, ab.Verdict = c.Stats.Primary, c.Winner, c.Verdict
		if pv := c.Primary(); pv != nil {
			ab.Diff, ab.CI = pv.Diff, pv.SequentialCI.Interval()
		}
	}
	s.AB = ab
	return nil
}

// WriteJSON writes s as the document `pipeline status --json` prints (indented, one
// trailing newline); the dashboard's /api/status serves the same bytes.
func WriteJSON(w io.Writer, s *Snapshot) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}
