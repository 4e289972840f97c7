package quality_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/quality"
)

// history.json is rebuilt from the reports: runs in any order, repeated or not,
// converge on the same bytes.
func TestHistoryConverges(t *testing.T) {
	ctx := context.Background()
	orders := [][]int{{1, 2, 3}, {3, 1, 2, 3}, {2, 3, 1, 1}}
	var first []byte
	for _, order := range orders {
		b := released(t, 400, 3)
		c := &quality.Checker{Bucket: b}
		for _, d := range order {
			if _, err := c.Check(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		h, err := blob.ReadAll(ctx, b, layout.QualityHistory)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = h
			continue
		}
		if !bytes.Equal(h, first) {
			t.Fatalf("order %v gives another history:\n%s\nwant:\n%s", order, h, first)
		}
	}
}

func TestLoadThresholdsFile(t *testing.T) {
	if _, err := quality.LoadThresholds("testdata/no-such.yaml"); err == nil {
		t.Fatal("a missing thresholds file must be an error")
	}
	th, err := quality.LoadThresholds("testdata/strict.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if th.DriftRatingPSI.Severity != quality.Error || th.DriftRatingPSI.MaxPSI != 0.1 || th.RejectedShare.MaxShare != 0.01 {
		t.Fatalf("strict.yaml not applied over the defaults: %+v", th)
	}
}

func TestCheckAllGoesOnPastAFailedDay(t *testing.T) {
	ctx := context.Background()
	b := released(t, 400, 3)
	key := layout.Batch(layout.Day(2))
	data, _ := blob.ReadAll(ctx, b, key)
	// every row twice, and a bad row: day 3 must still be checked
	blob.PutBytes(ctx, b, key, append(append(data, data[bytes.IndexByte(data, '\n')+1:]...), "1,2,x,3\n"...), blob.PutOptions{})
	reps, err := (&quality.Checker{Bucket: b, Dataset: ds}).CheckAll(ctx)
	if !errors.Is(err, quality.ErrGateFailed) || !strings.Contains(err.Error(), "day 2:") || strings.Contains(err.Error(), "day 3:") {
		t.Fatalf("err = %v, want the gate failure of day 2 only", err)
	}
	if len(reps) != 3 || !reps[0].Success || reps[1].Success || !reps[2].Success {
		t.Fatalf("%d reports", len(reps))
	}
	if _, err := (&quality.Checker{Bucket: b, Dataset: "other"}).CheckAll(ctx); !errors.Is(err, etl.ErrConflict) {
		t.Fatalf("a feed of another dataset: %v, want ErrConflict", err)
	}
}

// A day's report is a function of its batch, the days released before it and train:
// checking the days newest first, half of them twice, writes the same bytes as
// checking them in day order (the anomaly checks see the same history).
func TestReportsDoNotDependOnCheckOrder(t *testing.T) {
	ctx := context.Background()
	const days = 8
	inOrder := released(t, 600, days)
	if _, err := (&quality.Checker{Bucket: inOrder}).CheckAll(ctx); err != nil {
		t.Fatal(err)
	}
	reversed := released(t, 600, days)
	c := &quality.Checker{Bucket: reversed}
	for _, d := range []int{8, 7, 6, 5, 4, 3, 2, 1, 7, 5, 3} {
		if _, err := c.Check(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	for d := 1; d <= days; d++ {
		want, err := blob.ReadAll(ctx, inOrder, layout.QualityReport(layout.Day(d)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := blob.ReadAll(ctx, reversed, layout.QualityReport(layout.Day(d)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("day %d: checked newest first, the report differs:\n%s\nin day order:\n%s", d, got, want)
		}
	}
	var rep quality.Report
	if err := blob.ReadJSON(ctx, reversed, layout.QualityReport(layout.Day(days)), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Inputs.HistoryDays) != days-1 {
		t.Errorf("day %d checked first has history %v, want days 1..%d", days, rep.Inputs.HistoryDays, days-1)
	}
	if !slices.ContainsFunc(rep.Results, func(r quality.Result) bool { return strings.HasPrefix(r.Check, quality.AnomalyPrefix) }) {
		t.Errorf("day %d checked first has no anomaly check", days)
	}
}
