package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/recpipe/recpipe/abtest"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/envflag"
	"github.com/recpipe/recpipe/internal/pipelinestatus"
	"github.com/recpipe/recpipe/jobs"
)

const statusPurpose = "where the pipeline stands, from the bucket alone (--json for a document)"

// status prints where the pipeline stands, from the bucket alone.
func status(ctx context.Context, inv jobs.IO) int {
	var asJSON bool
	common, _, code, done := parse("status", statusPurpose, inv, func(s *envflag.Set) {
		s.Bool(&asJSON, "json", "", "print the status as JSON ("+pipelinestatus.Schema+")")
	})
	if done {
		return code
	}
	stdout, stderr := inv.Stdout, inv.Stderr
	b, err := blob.Open(ctx, common.Bucket)
	if err != nil {
		fmt.Fprintln(stderr, "pipeline status:", jobs.Redact(err.Error()))
		return 1
	}
	defer b.Close()
	s, err := pipelinestatus.Read(ctx, b)
	if err != nil {
		fmt.Fprintln(stderr, "pipeline status:", jobs.Redact(err.Error()))
		return 1
	}
	if asJSON {
		err = pipelinestatus.WriteJSON(stdout, s)
	} else {
		err = writeStatus(stdout, s)
	}
	if err != nil {
		fmt.Fprintln(stderr, "pipeline status:", err)
		return 1
	}
	return 0
}

// writeStatus renders s as readable tables.
func writeStatus(w io.Writer, s *pipelinestatus.Snapshot) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(format string, a ...any) { fmt.Fprintf(tw, format, a...) }
	p("bucket\t%s\n", s.Bucket)

	p("\nPREPARED DATASETS\n")
	if len(s.Datasets) == 0 {
		p("  (none: run prepare)\n")
	}
	for _, d := range s.Datasets {
		p("  %s\ttrain %d\tval %d\ttest %d\n", d.Name, d.Train, d.Val, d.Test)
	}

	p("\nCHAMPIONS\tRUN\tVAL RMSE\tTEST RMSE\n")
	if len(s.Models) == 0 {
		p("  (none: run train-gpu --promote)\n")
	}
	for _, m := range s.Models {
		p("  %s\t%s\t%.4f\t%s\n", m.Model, m.Run, m.ValRMSE, fmtRMSE(m.TestRMSE[m.Model]))
	}

	p("\nETL\n")
	if s.ETL == nil {
		p("  (no etl/status.json: no day released)\n")
	} else {
		e := s.ETL
		p("  dataset %s\tdays %d/%d (%.0f%%)\tcurrent day %d\tnext day %d\trows released %d, rejected %d, remaining %d\n",
			e.Dataset, e.DaysReleased, e.Days, e.CompletionPct, e.CurrentDay, e.NextDay, e.RowsReleased, e.RowsRejected, e.RecordsRemaining)
	}

	if len(s.Days) > 0 {
		p("\nDAY\tROWS\tREJECTED\tQUALITY\tFAILED CHECKS\tA/B WINNER\tPRIMARY A-B [CI]\n")
		for _, d := range s.Days {
			winner, diff := "-", "-"
			if d.ABWinner != "" {
				winner, diff = d.ABWinner, fmtDiff(d.ABDiff, d.ABCI)
			}
			p("  %02d\t%d\t%d\t%s\t%s\t%s\t%s\n", d.Day, d.Rows, d.Rejected, d.Quality, orDash(strings.Join(d.ChecksFailed, " ")), winner, diff)
		}
	}

	p("\nA/B (cumulative)\n")
	if s.AB == nil || len(s.AB.Days) == 0 {
		p("  (no abtest/summary.json yet)\n")
	} else {
		a := s.AB
		p("  A %s vs B %s, days %s\t%s A-B %s\twinner %s\n", a.Models.A.Spec, a.Models.B.Spec, fmtDays(a.Days), a.Primary, fmtDiff(a.Diff, a.CI), a.Winner)
		p("  %s\n", a.Verdict)
	}
	if s.Report != "" {
		p("  report: %s\n", s.Report)
	}

	p("\nFUNCTION\tRUNS\tOK\tSKIPPED\tFAILED\tABANDONED\tRUNNING\tLAST RUN\tSTATUS\tTRIGGER\tWALL S\tERROR\n")
	if len(s.Runs) == 0 {
		p("  (no run records)\n")
	}
	for _, r := range s.Runs {
		n := func(state string) int { return r.ByState[state] }
		p("  %s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%.1f\t%s\n", r.Function, r.Runs, n(jobs.StatusOK), n(jobs.StatusSkipped),
			n(jobs.StatusFailed), n(jobs.StatusAbandoned), n(jobs.StatusRunning), r.Last, r.Status, r.Trigger, r.Wall, orDash(oneLine(r.Error, 80)))
	}
	if len(s.Running) > 0 {
		p("\nRUNNING\tRUN\tEVENT KEY\tALIVE UNTIL\n")
		for _, r := range s.Running {
			until := "-"
			if r.AliveUntil != nil {
				until = r.AliveUntil.UTC().Format(time.RFC3339)
			}
			p("  %s\t%s\t%s\t%s\n", r.Function, r.ID, orDash(r.Key), until)
		}
	}
	if len(s.Attention) > 0 {
		p("\nFAILED OR ABANDONED, NOT SINCE DONE\tRUN\tSTATE\tEVENT KEY\tERROR\n")
		for _, r := range s.Attention {
			state := r.State
			if r.GaveUp {
				state += " (given up)"
			}
			p("  %s\t%s\t%s\t%s\t%s\n", r.Function, r.ID, state, orDash(r.Key), orDash(oneLine(r.Error, 80)))
		}
	}
	if len(s.GatesFailed) > 0 {
		p("\nQUALITY GATE FAILED\tREPORT\tFAILED CHECKS\n")
		for _, g := range s.GatesFailed {
			p("  day %02d\t%s\t%s\n", g.Day, g.Report, orDash(oneLine(strings.Join(g.Checks, "; "), 120)))
		}
	}
	return tw.Flush()
}

func fmtRMSE(v float64) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%.4f", v)
}

// fmtDiff is "d [lo, hi]", or "n/a" for an undefined difference.
func fmtDiff(d *float64, ci *abtest.Interval) string {
	switch {
	case d == nil:
		return "n/a"
	case ci == nil:
		return fmt.Sprintf("%+.4f", *d)
	}
	return fmt.Sprintf("%+.4f [%+.4f, %+.4f]", *d, ci.Low, ci.High)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n-1] + "…"
	}
	return s
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// fmtDays is "1-3,5" for days 1, 2, 3 and 5.
func fmtDays(days []int) string {
	var parts []string
	for i := 0; i < len(days); {
		j := i
		for j+1 < len(days) && days[j+1] == days[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", days[i], days[j]))
		} else {
			parts = append(parts, fmt.Sprint(days[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}
