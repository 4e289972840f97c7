package qualitycheck_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/etl/releasetest"
	"github.com/recpipe/recpipe/functions/internal/qualitycheck"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/jobs"
	"github.com/recpipe/recpipe/jobs/event"
	"github.com/recpipe/recpipe/quality"
)

func TestQualityCheckEvent(t *testing.T) {
	ctx := context.Background()
	b := blob.NewMem()
	if _, err := releasetest.Write(ctx, b, "fixture", releasetest.Synthetic(1600, 200, 400, 3)); err != nil {
		t.Fatal(err)
	}
	if _, err := (&etl.Releaser{Bucket: b, Dataset: "fixture"}).Simulate(ctx, 2); err != nil {
		t.Fatal(err)
	}
	// Day 2 is corrupted after release: a rating off the scale.
	key := layout.Batch(layout.Day(2))
	data, _ := blob.ReadAll(ctx, b, key)
	lines := strings.Split(string(data), "\n")
	f := strings.Split(lines[3], ",")
	f[2] = "6.0"
	lines[3] = strings.Join(f, ",")
	blob.PutBytes(ctx, b, key, []byte(strings.Join(lines, "\n")), blob.PutOptions{})

	fn := qualitycheck.Function(qualitycheck.Config{Dataset: "fixture"})
	if fn.Name != jobs.QualityCheck {
		t.Fatalf("name %q", fn.Name)
	}
	tests := []struct {
		key      string
		wantCode int // 0: success
		skip     bool
	}{
		{layout.ETLManifest(layout.Day(1)), 0, false},
		{layout.ETLManifest(layout.Day(2)), qualitycheck.ExitGateFailed, false},
		{layout.Batch(layout.Day(2)), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			env := jobs.NewEnv(b, slog.New(slog.DiscardHandler), &jobs.Record{})
			err := fn.OnEvent(ctx, env, jobs.ParseEvent(event.Object{Key: tt.key}))
			var ee *jobs.ExitError
			switch {
			case tt.skip:
				if !errors.Is(err, jobs.ErrSkip) {
					t.Fatalf("err = %v, want a skip", err)
				}
			case tt.wantCode == 0:
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Contains(env.Run.Outputs, layout.QualityReport(layout.Day(1))) || !slices.Contains(env.Run.Inputs, layout.Batch(layout.Day(1))) {
					t.Fatalf("run record inputs %v outputs %v", env.Run.Inputs, env.Run.Outputs)
				}
			default:
				if !errors.As(err, &ee) || ee.Code != tt.wantCode || !errors.Is(err, quality.ErrGateFailed) || !errors.Is(err, jobs.ErrFinal) || !strings.Contains(err.Error(), quality.CheckValidityRating) {
					t.Fatalf("err = %v, want exit %d naming %s", err, tt.wantCode, quality.CheckValidityRating)
				}
			}
		})
	}
}
