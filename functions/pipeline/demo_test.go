package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/recpipe/recpipe/abtest"
	"github.com/recpipe/recpipe/abtest/recompute"
	"github.com/recpipe/recpipe/data/movielens"
	"github.com/recpipe/recpipe/functions/internal/abeval"
	"github.com/recpipe/recpipe/functions/internal/demo"
	"github.com/recpipe/recpipe/functions/internal/etlday"
	"github.com/recpipe/recpipe/functions/internal/prepare"
	"github.com/recpipe/recpipe/functions/internal/qualitycheck"
	"github.com/recpipe/recpipe/functions/internal/retrain"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/jobs"
)

// testFunctions are hostedFunctions with settings that do not depend on the environment.
func testFunctions() []jobs.Function {
	return []jobs.Function{
		qualitycheck.Function(qualitycheck.DefaultConfig()),
		abeval.Function(abeval.Config{Dataset: movielens.SmallName, ModelA: "ncf", ModelB: "ss4rec",
			Primary: "rmse", Seed: 1, Resamples: abtest.MinResamples}),
		retrain.Function(retrain.Config{Dataset: movielens.SmallName, ModelA: "ncf", ModelB: "ss4rec"}),
	}
}

// The demo's checks and A/B results come from events alone (demo never calls
// quality-check or ab-eval); a second demo writes nothing and runs nothing.
func TestDemoRunsStagesByEventsAndIsIdempotent(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two small models")
	}
	ctx := context.Background()
	b := blob.NewMem()
	writeFixture(t, b) // prepared, and the tiny runs finished: demo finds them
	var out bytes.Buffer
	o := demo.Options{Prepare: prepare.DefaultConfig(), Train: tinyConfigs, Release: etlday.DefaultConfig(), Days: 3, Workers: 2,
		Functions: testFunctions(), Host: []string{"pipeline", "demo"},
		Say: func(format string, a ...any) { fmt.Fprintf(&out, format+"\n", a...) }}
	log := slog.New(slog.DiscardHandler)

	res, err := demo.Run(ctx, b, o, log)
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	for d := 1; d <= o.Days; d++ {
		for _, key := range []string{layout.QualityReport(layout.Day(d)), layout.ABResult(layout.Day(d))} {
			if ok, err := blob.Exists(ctx, b, key); err != nil || !ok {
				t.Errorf("%s missing after the demo (err %v)", key, err)
			}
		}
	}
	if ok, _ := blob.Exists(ctx, b, layout.ABResult(layout.Day(o.Days+1))); ok {
		t.Errorf("day %d evaluated, but the demo released %d days", o.Days+1, o.Days)
	}
	st := res.Stats
	// Per day: a quality-check run, an ab-eval run (the report), a retrain run (the A/B
	// result) and an ab-eval run for the NCF version it wrote (deployed arm); per
	// champion: an ab-eval run.
	if want := 4*o.Days + len(o.Train); st.OK+st.Skipped != want || st.Failed != 0 {
		t.Errorf("first demo: %+v, want %d runs ok or skipped and none failed", st, want)
	}
	if st.Duplicates == 0 {
		t.Errorf("first demo: the redelivery found no duplicate: %+v", st)
	}
	// Run records: quality-check, ab-eval and retrain (events), prepare, train-gpu and etl-day (in-process steps).
	snap := res.Snapshot
	if len(snap.Days) != o.Days || len(snap.Models) != 2 || snap.AB == nil || len(snap.AB.Days) != o.Days || len(snap.Runs) != 6 {
		t.Errorf("snapshot after the demo: %d days, %d models, A/B %+v, runs %+v", len(snap.Days), len(snap.Models), snap.AB, snap.Runs)
	}
	// ab-eval's numbers, recomputed independently from the bucket the demo wrote (the
	// deployed NCF arm is scored by per-day versions the recomputation does not rebuild).
	if arms, err := recompute.Check(ctx, b, "ncf"); err != nil || len(arms) != 4 {
		t.Errorf("recomputing the demo's A/B figures: %d arms, %v", len(arms), err)
	}
	var sum bytes.Buffer
	writeDemoSummary(&sum, res, "mem://", 0)
	for _, want := range []string{"ncf ", "ss4rec ", "A/B over 3 days: A ncf vs B ss4rec", "days released: 3 of 20", "report: mem://abtest/report.html"} {
		if !strings.Contains(sum.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, sum.String())
		}
	}

	before := etags(t, b)
	res, err = demo.Run(ctx, b, o, log)
	if err != nil {
		t.Fatal(err)
	}
	if st := res.Stats; st.OK+st.Skipped+st.Failed != 0 || st.Duplicates == 0 {
		t.Errorf("second demo ran something: %+v", st)
	}
	// Nothing changes but the run records of the rerun's own in-process steps.
	after := etags(t, b)
	for k, tag := range before {
		if after[k] != tag {
			t.Errorf("second demo changed %s", k)
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok && !layout.IsKind(k, layout.KindRunRecord) {
			t.Errorf("second demo wrote %s, which is not a run record", k)
		}
	}

	// The recomputation is a check that can fail: a summary whose figure moved is caught.
	var s abtest.Summary
	if err := blob.ReadJSON(ctx, b, layout.ABSummary, &s); err != nil {
		t.Fatal(err)
	}
	s.Cumulative.Metrics[1].RMSE += 1e-6
	if _, _, err := blob.WriteJSON(ctx, b, layout.ABSummary, s); err != nil {
		t.Fatal(err)
	}
	if _, err := recompute.Check(ctx, b, "ncf"); err == nil || !strings.Contains(err.Error(), "cumulative") {
		t.Errorf("a tampered cumulative RMSE passed the recomputation: %v", err)
	}
}

// A demo that stops says so on stdout, below its step lines, with how to go on; the
// interrupted one (Ctrl-C: its context ends) says a rerun resumes it.
func TestDemoFailureOnStdout(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // interrupted before prepare writes anything
	var stdout, stderr bytes.Buffer
	inv := jobs.IO{Args: []string{"demo", "--bucket", "mem://", "--days", "1",
		"--ncf-config", "testdata/ncf-tiny.yaml", "--ss4rec-config", "testdata/ss4rec-tiny.yaml"},
		Getenv: func(string) string { return "" }, Stdout: &stdout, Stderr: &stderr}
	if code := run(ctx, inv); code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"1/4 prepare", "FAILED: ", "context canceled", "run the demo again (same flags) to resume"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "FAILED") < strings.Index(out, "1/4 prepare") {
		t.Errorf("the failure is not below the step lines:\n%s", out)
	}
}

// terminal is a writer that says it is a terminal; safe for the demo's goroutines.
type terminal struct{ lockedBuffer }

func (*terminal) IsTerminal() bool { return true }

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// On a terminal the demo's stderr holds the progress bars, each ended at 100%, and
// no info log; stdout (here not a terminal) holds the step lines and one line per
// training epoch.
func TestDemoTerminalOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two small models")
	}
	dir := t.TempDir()
	b, err := blob.Open(t.Context(), "file://"+dir)
	if err != nil {
		t.Fatal(err)
	}
	src := preparedBucket(t)
	list, err := src.List(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		copyObject(t, src, b, a.Key)
	}
	var stdout lockedBuffer
	var stderr terminal
	inv := jobs.IO{Args: []string{"demo", "--bucket", "file://" + dir, "--days", "1",
		"--ncf-config", "testdata/ncf-tiny.yaml", "--ss4rec-config", "testdata/ss4rec-tiny.yaml"},
		Getenv: func(string) string { return "" }, Stdout: &stdout, Stderr: &stderr}
	if code := run(t.Context(), inv); code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	out, errOut := stdout.String(), stderr.String()
	epochs := strings.Count(out, "    epoch 1/1: train loss ")
	if epochs != 2 || !strings.Contains(out, "2/4 train ss4rec") || !strings.Contains(out, "SUMMARY") {
		t.Errorf("stdout: %d epoch lines (want 2, one per model), or no step lines:\n%s", epochs, out)
	}
	// A bar ends with its 100% frame and a newline; a frame redrawn at 100% before the
	// epoch's end (a timer tick after the last batch) is followed by \r and is not an end.
	if bars := len(barEnd.FindAllString(errOut, -1)); bars != 2 {
		t.Errorf("stderr: %d bars ended at 100%%, want 2:\n%q", bars, errOut)
	}
	if strings.Contains(errOut, "INFO") || strings.Contains(errOut, "run started") || strings.Contains(errOut, `{"time"`) {
		t.Errorf("stderr on a terminal holds info logs:\n%s", errOut)
	}
}

func TestDemoLogLevel(t *testing.T) {
	for _, tc := range []struct {
		given    bool
		format   string
		terminal bool
		want     string
	}{
		{false, "auto", true, "warn"},  // a person at a terminal: the step lines say it all
		{false, "text", true, "warn"},  // text is what auto gives a terminal
		{true, "auto", true, "info"},   // --log-level / LOG_LEVEL asks for this level
		{false, "json", true, "info"},  // --log-format json asks for the full log
		{false, "auto", false, "info"}, // stderr is a file or a pipe: the full JSON log
	} {
		c := &jobs.CommonFlags{LogLevel: "info", LogFormat: tc.format}
		if got := demoLogLevel(tc.given, c, tc.terminal); got != tc.want {
			t.Errorf("given %v, format %s, terminal %v: %s, want %s", tc.given, tc.format, tc.terminal, got, tc.want)
		}
	}
}

// barEnd matches a progress bar's last frame: 100% and the end of its line.
var barEnd = regexp.MustCompile(`\] 100% [^\r\n]*\n`)
