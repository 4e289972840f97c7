package dashboard

import (
	"cmp"
	"context"
	"fmt"
	"github.com/recpipe/recpipe/internal/layout"
	"slices"
	"strings"
	"time"

	"github.com/recpipe/recpipe/internal/pipelinestatus"
	"github.com/recpipe/recpipe/jobs"
)

// recentRuns is how many runs the overview lists newest first.
const recentRuns = 12

// overviewView is the overview page: the status snapshot (with the runs by state, those
// running and those needing attention), the feed's 20 days, and the latest runs.
type overviewView struct {
	Status   *pipelinestatus.Snapshot `json:"status"`
	FeedDays int                      `json:"feed_days"`
	Counts   stageCounts              `json:"counts"`
	MeanWall map[string]float64       `json:"mean_wall_seconds"` // per function, over its finished runs
	Recent   []runLine                `json:"recent"`
}

// stageCounts are how far the days went down the chain.
type stageCounts struct {
	Released  int `json:"released"`
	Checked   int `json:"checked"`
	Passed    int `json:"passed"`
	Failed    int `json:"failed"`
	Evaluated int `json:"evaluated"`
}

// runLine is one run record, short.
type runLine struct {
	Function string     `json:"function"`
	ID       string     `json:"id"`
	Status   string     `json:"status"`
	Trigger  string     `json:"trigger"`
	Start    time.Time  `json:"start"`
	End      *time.Time `json:"end,omitempty"`
	Wall     float64    `json:"wall_seconds"`
	Error    string     `json:"error,omitempty"`
	Key      string     `json:"key"`
}

func (s *Server) overview(ctx context.Context) (any, error) {
	snap, err := pipelinestatus.Read(ctx, s.b)
	if err != nil {
		return nil, err
	}
	v := &overviewView{Status: snap, FeedDays: layout.Days, MeanWall: map[string]float64{}, Recent: []runLine{}}
	for _, d := range snap.Days {
		if d.Rows > 0 || d.Rejected > 0 {
			v.Counts.Released++
		}
		switch d.Quality {
		case "passed":
			v.Counts.Checked++
			v.Counts.Passed++
		case "failed":
			v.Counts.Checked++
			v.Counts.Failed++
		}
		if d.ABWinner != "" {
			v.Counts.Evaluated++
		}
	}
	if snap.ETL != nil {
		v.Counts.Released = snap.ETL.DaysReleased
	}
	runs, err := s.runRecords(ctx)
	if err != nil {
		return nil, err
	}
	finished := map[string]int{}
	for _, r := range runs {
		if r.End != nil {
			v.MeanWall[r.Function] += r.Wall
			finished[r.Function]++
		}
	}
	for fn, n := range finished {
		v.MeanWall[fn] /= float64(n)
	}
	slices.SortFunc(runs, func(a, b runLine) int { return cmp.Or(b.Start.Compare(a.Start), strings.Compare(b.ID, a.ID)) })
	v.Recent = runs[:min(len(runs), recentRuns)]
	return v, nil
}

// runRecords reads every run record (each read once: the cache keeps it by ETag), with
// its state as of now (a running record past its lease is abandoned).
func (s *Server) runRecords(ctx context.Context) ([]runLine, error) {
	now := time.Now()
	list, err := s.b.List(ctx, layout.RunsPrefix)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", layout.RunsPrefix, err)
	}
	var out []runLine
	for _, a := range list {
		if k, err := layout.Parse(a.Key); err != nil || k.Kind != layout.KindRunRecord {
			continue
		}
		r, err := cachedJSON[jobs.Record](ctx, s.docs, s.b, a)
		if err != nil {
			return nil, err
		}
		if r.Schema != jobs.RecordSchema {
			return nil, fmt.Errorf("%s: schema %q, want %q", a.Key, r.Schema, jobs.RecordSchema)
		}
		out = append(out, runLine{Function: r.Function, ID: r.ID, Status: r.State(now), Trigger: r.Trigger.Kind,
			Start: r.Start, End: r.End, Wall: r.Usage.WallSeconds, Error: r.Error, Key: a.Key})
	}
	return out, nil
}
