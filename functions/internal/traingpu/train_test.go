package traingpu

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/envflag"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/jobs"
	"github.com/recpipe/recpipe/model/accel"
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/trainer"
)

func testEnv(t *testing.T) *jobs.Env {
	t.Helper()
	b := blob.NewMem()
	if _, err := etl.Prepare(context.Background(), b, etl.Options{SyntheticRows: 3000}); err != nil {
		t.Fatal(err)
	}
	return jobs.NewEnv(b, slog.New(slog.DiscardHandler), &jobs.Record{})
}

// The demo config, cut to one epoch, trains on a prepared synthetic dataset, promotes
// a champion that loads back, records its inputs and outputs, and a rerun is a no-op.
func TestTrainPromotesALoadableChampion(t *testing.T) {
	ctx := context.Background()
	env := testEnv(t)
	c := Config{Model: "ncf", ConfigPath: "../../../configs/ncf-demo.yaml", Dataset: "synthetic-3000", Promote: true,
		Sets: []string{"train.epochs=1"}}
	if _, _, err := Run(ctx, env, c, nil); err != nil {
		t.Fatal(err)
	}
	p, ch, err := scoring.LoadPredictor(ctx, env.Bucket, "ncf")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != "ncf" || ch.Dataset != "synthetic-3000" || !(ch.ValRMSE > 0) {
		t.Errorf("champion %+v", ch)
	}
	if !slices.Contains(env.Run.Inputs, layout.Prepared("synthetic-3000", layout.TrainName)) || !slices.Contains(env.Run.Outputs, layout.Champion("ncf")) {
		t.Errorf("run record inputs %v, outputs %v", env.Run.Inputs, env.Run.Outputs)
	}
	before, _ := env.Bucket.List(ctx, "models/")
	if _, _, err := Run(ctx, env, c, nil); err != nil {
		t.Fatal(err)
	}
	after, _ := env.Bucket.List(ctx, "models/")
	for i := range after {
		if i >= len(before) || after[i] != before[i] {
			t.Fatalf("rerun changed the bucket: %v", after[i])
		}
	}
}

// Errors only the bucket can tell: they are found by the run.
func TestTrainRunErrors(t *testing.T) {
	ctx := context.Background()
	env := testEnv(t)
	tests := []struct {
		name string
		c    Config
		want string
	}{
		{"missing dataset", Config{Model: "ncf", ConfigPath: "../../../configs/ncf-demo.yaml", Dataset: "nope"}, "prepared/nope/_manifest.json"},
		{"resume unknown run", Config{Model: "ncf", Resume: "ncf-x"}, "models/ncf/ncf-x/config.yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Run(ctx, env, tc.c, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %q", err, tc.want)
			}
		})
	}
}

// Errors of the invocation: usage errors before anything is read or written.
func TestTrainUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"bad override", []string{"--config", "../../../configs/ncf-demo.yaml", "--set", "train.lr=-1"}, nil, "train.lr"},
		{"negative learning rate flag", []string{"--lr", "-1"}, nil, "--lr -1"},
		{"zero epochs", []string{"--epochs", "0"}, nil, "--epochs 0"},
		{"unknown model", []string{"--model", "nope"}, nil, "--model nope"},
		{"unknown model from the environment", nil, map[string]string{"MODEL": "nope"}, `MODEL="nope"`},
		{"missing config", []string{"--config", "nope.yaml"}, nil, "nope.yaml"},
		{"resume with overrides", []string{"--resume", "ncf-x", "--set", "seed=2"}, nil, "--resume"},
		{"resume with DATASET", []string{"--resume", "ncf-x"}, map[string]string{"DATASET": "ml-1m"}, "--resume"},
		{"stray argument", []string{"ncf"}, nil, `unexpected argument "ncf"`},
		{"unknown device", []string{"--device", "gpu"}, nil, "--device gpu"},
	}
	if accel.Available() != nil { // a binary without the cuda tag refuses the device up front
		tests = append(tests, []struct {
			name string
			args []string
			env  map[string]string
			want string
		}{
			{"cuda without the tag", []string{"--device", "cuda"}, nil, "make build-cuda"},
			{"cuda from the environment", nil, map[string]string{"DEVICE": "cuda"}, "make build-cuda"},
			{"cuda from the config", []string{"--set", "device=cuda"}, nil, "make build-cuda"},
			{"resume on cuda", []string{"--resume", "ncf-x", "--device", "cuda"}, nil, "make build-cuda"},
		}...)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := blob.NewMem()
			var stdout, stderr bytes.Buffer
			inv := jobs.IO{Args: tc.args, Getenv: func(k string) string { return tc.env[k] }, Stdout: &stdout, Stderr: &stderr}
			if code := jobs.RunCommand(t.Context(), Command(), inv, b); code != envflag.ExitUsage {
				t.Fatalf("exit %d, want 2; stderr %s", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr %q does not name %q", stderr.String(), tc.want)
			}
			if list, _ := b.List(t.Context(), ""); len(list) != 0 {
				t.Errorf("the bucket changed: %v", list)
			}
		})
	}
}

func TestWriteSummary(t *testing.T) {
	s := &trainer.Summary{Model: "ncf", Run: "ncf-1", Dataset: "d", Epochs: 3, BestEpoch: 2,
		Validation: map[string]scoring.SplitScores{"ncf": {All: scoring.Scores{RMSE: 0.9}}, "global-mean": {All: scoring.Scores{RMSE: 1.1}}},
		Test:       map[string]scoring.SplitScores{"ncf": {Warm: scoring.Scores{N: 5}, Cold: scoring.Scores{N: 7}}}}
	var buf bytes.Buffer
	WriteSummary(&buf, s)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[2], "ncf ") || !strings.HasPrefix(lines[3], "global-mean") || !strings.Contains(lines[1], "warm 5, cold 7") {
		t.Errorf("summary table:\n%s", buf.String())
	}
}
