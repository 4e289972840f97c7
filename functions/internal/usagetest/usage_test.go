package usagetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/functions/internal/abeval"
	"github.com/recpipe/recpipe/functions/internal/etlday"
	"github.com/recpipe/recpipe/functions/internal/prepare"
	"github.com/recpipe/recpipe/functions/internal/qualitycheck"
	"github.com/recpipe/recpipe/functions/internal/retrain"
	"github.com/recpipe/recpipe/functions/internal/traingpu"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/envflag"
	"github.com/recpipe/recpipe/jobs"
)

const dataset = "synthetic-3000"

// commands are the binaries, by name, as their mains run them.
var commands = map[string]func() jobs.Command{
	"prepare":       prepare.Command,
	"etl-day":       etlday.Command,
	"quality-check": qualitycheck.Command,
	"train-gpu":     traingpu.Command,
	"ab-eval":       abeval.Command,
	"retrain":       retrain.Command,
}

// feed is a file bucket holding a prepared synthetic dataset with day 1 released: a
// usage error that did something (released a day, prepared, trained, wrote a run
// record) changes it.
func feed(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	b, err := blob.Open(ctx, "file://"+dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := etl.Prepare(ctx, b, etl.Options{SyntheticRows: 3000}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := (&etl.Releaser{Bucket: b, Dataset: dataset}).Release(ctx, 1); err != nil {
		t.Fatal(err)
	}
	return dir
}

// tree is every file under dir (the bucket's objects and anything else) with the
// SHA-256 of its content.
func tree(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		lines = append(lines, strings.TrimPrefix(p, dir)+" "+hex.EncodeToString(sum[:]))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// The bad invocations of issue 15 (and their neighbours): every one exits 2, says
// what was wrong, and changes nothing in the bucket.
func TestBadInvocationsExit2AndChangeNothing(t *testing.T) {
	dir := feed(t)
	before := tree(t, dir)
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		mention string // in stderr
	}{
		{"etl-day", []string{"--day", "0"}, nil, "--day 0: want 1..20"},
		{"etl-day", []string{"--day", "-5"}, nil, "--day -5: want 1..20"},
		{"etl-day", []string{"--day", "21"}, nil, "--day 21: want 1..20"},
		{"etl-day", []string{"--simulate", "0"}, nil, "--simulate 0: want at least 1"},
		{"etl-day", []string{"--simulate", "-1"}, nil, "--simulate -1"},
		{"etl-day", []string{"3"}, nil, `unexpected argument "3"`},
		{"etl-day", []string{"--max-rejected", "2"}, nil, "--max-rejected 2: want 0..1"},
		{"etl-day", []string{"--max-rejected", "-0.1"}, nil, "want 0..1"},
		{"etl-day", nil, map[string]string{"ETL_MAX_REJECTED": "x"}, `ETL_MAX_REJECTED="x"`},
		{"etl-day", nil, map[string]string{"ETL_MAX_REJECTED": "2"}, `ETL_MAX_REJECTED="2"`},
		{"etl-day", []string{"--day", "2", "--simulate", "2"}, nil, "not both"},
		{"etl-day", []string{"--status", "--day", "2"}, nil, "--status"},
		{"etl-day", []string{"--event", "ev.json"}, nil, "-event"}, // etl-day handles no events
		{"etl-day", []string{"--bucket", "s3://"}, nil, "bad bucket URL"},
		{"etl-day", []string{"--bucket", "ftp://host/x"}, nil, "bad bucket URL"},
		{"etl-day", []string{"--bucket", "data"}, nil, "bad bucket URL"},
		{"etl-day", nil, map[string]string{"BUCKET_URL": "file://data"}, "BUCKET_URL"},
		{"etl-day", []string{"--dataset", ""}, nil, "--dataset"},
		{"etl-day", []string{"--day"}, nil, "flag needs an argument"},
		{"etl-day", []string{"--nope"}, nil, "-nope"},
		{"etl-day", nil, map[string]string{"LOG_LEVEL": "loud"}, "LOG_LEVEL"},
		{"prepare", []string{"ml-1m"}, nil, `unexpected argument "ml-1m"`},
		{"prepare", []string{"--dataset", "ml-2m"}, nil, "unknown dataset"},
		{"prepare", []string{"--dataset", "../x"}, nil, "dataset name"},
		{"prepare", []string{"--test-fraction", "0"}, nil, "--test-fraction 0"},
		{"prepare", []string{"--test-fraction", "1"}, nil, "--test-fraction 1"},
		{"prepare", []string{"--val-fraction", "-0.1"}, nil, "--val-fraction -0.1"},
		{"prepare", []string{"--synthetic-rows", "0"}, nil, "--synthetic-rows 0"},
		{"prepare", []string{"--synthetic-rows", "100", "--dataset", "x"}, nil, "--synthetic-rows"},
		{"quality-check", nil, nil, "give --day N"},
		{"quality-check", []string{"3"}, nil, `unexpected argument "3"`},
		{"quality-check", []string{"--day", "0"}, nil, "--day 0: want 1..20"},
		{"quality-check", []string{"--day", "21"}, nil, "--day 21"},
		{"quality-check", []string{"--day", "1", "--all"}, nil, "not both"},
		{"quality-check", []string{"--all", "--thresholds", "/nonexistent.yaml"}, nil, "nonexistent.yaml"},
		{"quality-check", []string{"--all"}, map[string]string{"QUALITY_THRESHOLDS": "/nonexistent.yaml"}, "nonexistent.yaml"},
		{"quality-check", []string{"--event", "/nonexistent/ev.json"}, nil, ""},
		{"ab-eval", []string{"--all", "--resamples", "5"}, nil, "--resamples 5: want at least 10000"},
		{"ab-eval", []string{"--all"}, map[string]string{"AB_RESAMPLES": "5"}, "AB_RESAMPLES"},
		{"ab-eval", []string{"--all"}, map[string]string{"AB_SEED": "abc"}, `AB_SEED="abc"`},
		{"ab-eval", []string{"--all", "--model-b", "baseline:nope"}, nil, `unknown baseline "baseline:nope"`},
		{"ab-eval", []string{"--all", "--model-a", "gpt"}, nil, `unknown model "gpt"`},
		{"ab-eval", []string{"--all", "--primary", "accuracy"}, nil, "accuracy"},
		{"ab-eval", []string{"--all", "--impact-config", "/nonexistent.yaml"}, nil, "nonexistent.yaml"},
		{"ab-eval", []string{"--day", "-5"}, nil, "--day -5"},
		{"ab-eval", []string{"--day", "21"}, nil, "--day 21"},
		{"ab-eval", nil, nil, "give --day N"},
		{"ab-eval", []string{"--all", "3"}, nil, `unexpected argument "3"`},
		{"train-gpu", []string{"--model", "gpt"}, nil, "--model gpt"},
		{"train-gpu", nil, map[string]string{"MODEL": "gpt"}, `MODEL="gpt"`},
		{"train-gpu", []string{"ncf"}, nil, `unexpected argument "ncf"`},
		{"train-gpu", []string{"--config", "/nonexistent.yaml"}, nil, "nonexistent.yaml"},
		{"train-gpu", []string{"--epochs", "0"}, nil, "--epochs 0"},
		{"train-gpu", []string{"--lr", "-1"}, nil, "--lr -1"},
		{"train-gpu", []string{"--set", "train.lr=-1"}, nil, "train.lr"},
		{"train-gpu", []string{"--set", "nonsense"}, nil, "nonsense"},
		{"train-gpu", []string{"--resume", "ncf-x", "--epochs", "2"}, nil, "--resume"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" "+strings.Join(tt.args, " "), func(t *testing.T) {
			env := map[string]string{"BUCKET_URL": "file://" + dir, "DATASET": dataset, "LOG_FORMAT": "json"}
			for k, v := range tt.env {
				env[k] = v
			}
			var stdout, stderr bytes.Buffer
			inv := jobs.IO{Args: tt.args, Getenv: func(k string) string { return env[k] }, Stdin: strings.NewReader(""),
				Stdout: &stdout, Stderr: &stderr}
			if code := jobs.RunCommand(t.Context(), commands[tt.name](), inv, nil); code != envflag.ExitUsage {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, envflag.ExitUsage, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.mention) {
				t.Errorf("stderr does not name %q:\n%s", tt.mention, stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout: %s", stdout.String())
			}
			if after := tree(t, dir); after != before {
				t.Fatalf("the bucket changed:\nbefore\n%s\nafter\n%s", before, after)
			}
		})
	}

	// The control: the same invocation done right releases day 2 and changes the bucket.
	var stderr bytes.Buffer
	env := map[string]string{"BUCKET_URL": "file://" + dir, "DATASET": dataset}
	inv := jobs.IO{Args: []string{"--day", "2"}, Getenv: func(k string) string { return env[k] }, Stdout: &bytes.Buffer{}, Stderr: &stderr}
	if code := jobs.RunCommand(t.Context(), etlday.Command(), inv, nil); code != 0 {
		t.Fatalf("etl-day --day 2: exit %d\n%s", code, stderr.String())
	}
	if tree(t, dir) == before {
		t.Error("a good invocation left the bucket unchanged: the check above could not see a change")
	}
}

// --help of every binary: its purpose, its flags with their environment variables
// and the exit codes, on stdout, exit 0, nothing done.
func TestHelp(t *testing.T) {
	for name, cmd := range commands {
		var stdout, stderr bytes.Buffer
		inv := jobs.IO{Args: []string{"--help"}, Getenv: func(string) string { return "" }, Stdout: &stdout, Stderr: &stderr}
		if code := jobs.RunCommand(t.Context(), cmd(), inv, blob.NewMem()); code != 0 {
			t.Errorf("%s --help: exit %d", name, code)
		}
		help := stdout.String()
		for _, want := range []string{name + ": ", "--bucket URL", "env BUCKET_URL", "exit codes:", "  2  usage error"} {
			if !strings.Contains(help, want) {
				t.Errorf("%s --help lacks %q:\n%s", name, want, help)
			}
		}
		events := name == "quality-check" || name == "ab-eval" || name == "retrain"
		if strings.Contains(help, "--event") != events {
			t.Errorf("%s --help: --event offered %v, want %v", name, !events, events)
		}
		if !strings.Contains(help, "DATASET (--dataset) names the prepared dataset") {
			t.Errorf("%s --help does not say what DATASET means", name)
		}
	}
}
