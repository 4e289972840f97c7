package handlers

import (
	"context"
	"errors"
	"os"

	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/jobs"
	"github.com/recpipe/recpipe/quality"
)

// ExitGateFailed is the exit code of a day that failed an error-severity check.
const ExitGateFailed = 3

// QualityConfig are quality-check's settings. The runtime takes them from the
// environment (QualityConfigFromEnv); the binary's flags default to the same.
type QualityConfig struct {
	Dataset    string // DATASET: the prepared dataset the feed must come from; "" = any
	Thresholds string // QUALITY_THRESHOLDS: YAML overriding quality/thresholds.yaml; "" = defaults
}

// QualityConfigFromEnv reads the settings from the environment.
func QualityConfigFromEnv() QualityConfig {
	return QualityConfig{Dataset: os.Getenv("DATASET"), Thresholds: os.Getenv("QUALITY_THRESHOLDS")}
}

// QualityCheck is the quality-check function of the routing table: the event of
// etl/day=NN/_manifest.json checks day NN.
func QualityCheck() jobs.Function { return QualityCheckFunction(QualityConfigFromEnv()) }

// QualityCheckFunction is QualityCheck with explicit settings.
func QualityCheckFunction(cfg QualityConfig) jobs.Function {
	return jobs.Function{
		Name: jobs.QualityCheck,
		// Runs rebuild the cumulative quality/history.json: one at a time in a process.
		MaxConcurrent: 1,
		OnEvent: func(ctx context.Context, env *jobs.Env, ev jobs.Event) error {
			if ev.Parsed.Kind != layout.KindETLManifest {
				return jobs.Skip("not a day manifest: " + ev.Key)
			}
			_, err := RunQualityCheck(ctx, env, cfg, int(ev.Parsed.Day))
			return err
		},
	}
}

// RunQualityCheck checks day d, or every released day when d is 0, and records
// what it read and wrote. A failed gate is returned as jobs.Exit(3, err), which
// stops the chain, and is final (jobs.Final): a redelivery of the event cannot change
// the verdict, so it runs nothing (MinIO and Lambda would otherwise retry it for ever).
func RunQualityCheck(ctx context.Context, env *jobs.Env, cfg QualityConfig, d int) ([]*quality.Report, error) {
	th, err := quality.LoadThresholds(cfg.Thresholds)
	if err != nil {
		return nil, err
	}
	c := &quality.Checker{Bucket: env.Bucket, Thresholds: th, Dataset: cfg.Dataset, Log: env.Log}
	var reps []*quality.Report
	if d == 0 {
		reps, err = c.CheckAll(ctx)
	} else {
		var rep *quality.Report
		if rep, err = c.Check(ctx, d); rep != nil {
			reps = append(reps, rep)
		}
	}
	if errors.Is(err, quality.ErrGateFailed) {
		return reps, jobs.Exit(ExitGateFailed, jobs.Final(err))
	}
	return reps, err
}
