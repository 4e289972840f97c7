package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/recpipe/recpipe/abtest"
	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/pipelinestatus"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func ptr(v float64) *float64 { return &v }

var alive = time.Date(2026, 11, 26, 10, 36, 0, 0, time.UTC)

// goldenSnapshot is a hand-written state: two days, the second failing its gate.
func goldenSnapshot() *pipelinestatus.Snapshot {
	return &pipelinestatus.Snapshot{
		Schema: pipelinestatus.Schema, Bucket: "s3://recpipe?endpoint=http://127.0.0.1:9000",
		Datasets: []pipelinestatus.DatasetState{{Name: "ml-latest-small", Train: 72571, Val: 8097, Test: 20168}},
		Models: []pipelinestatus.ModelState{
			{Model: "ncf", Run: "ncf-18c3918fa564", Dataset: "ml-latest-small", ValRMSE: 0.8821, TestRMSE: map[string]float64{"ncf": 1.0613, "global-mean": 1.0788}},
			{Model: "ss4rec", Run: "ss4rec-4c93ff9c05ea", Dataset: "ml-latest-small", ValRMSE: 0.8663, TestRMSE: map[string]float64{"ss4rec": 0.8499}},
		},
		ETL: &etl.Status{Dataset: "ml-latest-small", Days: 20, DaysReleased: 2, CurrentDay: 2, NextDay: 3, CompletionPct: 10,
			RowsReleased: 2016, RecordsRemaining: 18152},
		Days: []pipelinestatus.DayState{
			{Day: 1, Rows: 1008, Quality: "passed", ABWinner: "b", ABDiff: ptr(0.1948), ABCI: &abtest.Interval{Low: 0.0224, High: 0.3902}},
			{Day: 2, Rows: 1008, Rejected: 3, Quality: "failed", ChecksFailed: []string{"error:validity_rating", "warn:drift_rating_psi"}},
		},
		AB: &pipelinestatus.ABState{Models: abtest.Models{A: abtest.ModelRef{Spec: "ncf"}, B: abtest.ModelRef{Spec: "ss4rec"}}, Days: []int{1},
			Primary: "rmse", Winner: "b", Diff: ptr(0.1948), CI: &abtest.Interval{Low: 0.0224, High: 0.3902},
			Verdict: "ss4rec beats ncf on rmse"},
		Runs: []pipelinestatus.RunState{
			{Function: "ab-eval", Runs: 4, Last: "20261126T103527.549Z-85d31261", Status: "skipped", Trigger: "event", Wall: 0.5,
				Error:   "skipped: day 2: quality report quality/day=02/report.json says success=false",
				ByState: map[string]int{"ok": 1, "skipped": 1, "abandoned": 1, "running": 1}},
			{Function: "quality-check", Runs: 2, Last: "20261126T103527.515Z-19d359de", Status: "failed", Trigger: "event", Wall: 0.1,
				Error: "quality gate failed: day 2: validity_rating", ByState: map[string]int{"ok": 1, "failed": 1}},
		},
		Running: []pipelinestatus.RunRef{{Function: "ab-eval", ID: "20261126T103530.001Z-0badc0de", State: "running",
			Key: "models/ncf/champion.json", AliveUntil: &alive}},
		Attention: []pipelinestatus.RunRef{
			{Function: "quality-check", ID: "20261126T103527.515Z-19d359de", State: "failed", Key: "etl/day=02/_manifest.json",
				Error: "quality gate failed: day 2: validity_rating"},
			{Function: "ab-eval", ID: "20261126T103501.200Z-4a1b2c3d", State: "abandoned", Key: "quality/day=01/report.json",
				Error: "abandoned: its claim (holder h/1/x) expired at 2026-11-26T10:35:20Z without an end; run 20261126T103527.549Z-85d31261 took the event over"},
		},
		GatesFailed: []pipelinestatus.GateRef{{Day: 2, Report: layout.QualityReport(layout.Day(2)),
			Checks: []string{"validity_rating: observed 3, threshold 0"}}},
		Report: layout.ABReport,
	}
}

func TestWriteStatusGolden(t *testing.T) {
	tests := []struct {
		name string
		snap *pipelinestatus.Snapshot
	}{
		{"status.golden", goldenSnapshot()},
		{"status-empty.golden", &pipelinestatus.Snapshot{Schema: pipelinestatus.Schema, Bucket: "file://./data"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got bytes.Buffer
			if err := writeStatus(&got, tt.snap); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, got.Bytes())
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it):\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestFmtDays(t *testing.T) {
	tests := []struct {
		days []int
		want string
	}{
		{nil, ""},
		{[]int{4}, "4"},
		{[]int{1, 2, 3, 5, 7, 8}, "1-3,5,7-8"},
	}
	for _, tt := range tests {
		if got := fmtDays(tt.days); got != tt.want {
			t.Errorf("fmtDays(%v) = %q, want %q", tt.days, got, tt.want)
		}
	}
}
