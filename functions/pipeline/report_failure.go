package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/jobs"
	"github.com/recpipe/recpipe/jobs/failreport"
)

// reportFailureArgs are the report-failure flags.
type reportFailureArgs struct {
	common    *jobs.CommonFlags
	report    failreport.Report
	errorFile string
	repo      string
	label     string
	apiURL    string
	dryRun    bool
}

func reportFailure(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return reportFailureEnv(ctx, args, os.Getenv, stdout, stderr)
}

// parseReportFailure parses args; flag defaults come from getenv (GITHUB_*) and the
// common flags' environment (BUCKET_URL, LOG_LEVEL, LOG_FORMAT).
func parseReportFailure(args []string, getenv func(string) string, stderr io.Writer) (*reportFailureArgs, error) {
	fs := flag.NewFlagSet("pipeline report-failure", flag.ContinueOnError)
	fs.SetOutput(stderr)
	a := &reportFailureArgs{common: jobs.RegisterFlags(fs)}
	r := &a.report
	fs.StringVar(&r.Function, "function", "", "the failed function or workflow, e.g. etl-daily (required; part of the fingerprint)")
	fs.StringVar(&r.Kind, "kind", "", "the error kind, e.g. etl-day-failed or exit-3 (required; part of the fingerprint)")
	fs.StringVar(&r.Error, "error", "", "the error text")
	fs.StringVar(&a.errorFile, "error-file", "", "append the text of this file (a log; its tail is kept) to the error; a missing file is noted, not fatal")
	fs.StringVar(&r.RunURL, "run-url", failreport.RunURL(getenv), "link to the CI run (default $GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID)")
	fs.StringVar(&r.RunRecord, "run-record", "", "run record key in the bucket; a prefix ending in / (e.g. runs/etl-day/) means its newest failed record")
	fs.StringVar(&a.repo, "repo", getenv("GITHUB_REPOSITORY"), "owner/name of the repository (env GITHUB_REPOSITORY)")
	fs.StringVar(&a.label, "label", failreport.DefaultLabel, "label of failure issues")
	fs.StringVar(&a.apiURL, "api-url", getenv("GITHUB_API_URL"), "GitHub REST API root (env GITHUB_API_URL; default https://api.github.com)")
	fs.BoolVar(&a.dryRun, "dry-run", false, "print what would be done, write nothing; with GITHUB_TOKEN set it still lists the open issues to tell comment from create, without it no request is made")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: pipeline report-failure --function NAME --kind KIND [flags]\nThe token is read from GITHUB_TOKEN only, never from a flag.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if a.common.Event != "" {
		return nil, fmt.Errorf("%w: report-failure takes no --event", failreport.ErrInvalidReport)
	}
	return a, nil
}

// reportFailureEnv is report-failure with the environment passed in (for tests).
func reportFailureEnv(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	a, err := parseReportFailure(args, getenv, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		fmt.Fprintln(stderr, "pipeline report-failure:", err)
		return 2
	}
	log, err := logger(stderr, a.common)
	if err != nil {
		fmt.Fprintln(stderr, "pipeline report-failure:", err)
		return 2
	}
	token := getenv("GITHUB_TOKEN")
	secrets := []string{token, getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN"), getenv("MINIO_ROOT_PASSWORD")}
	err = a.report.Validate()
	owner, name, repoErr := failreport.SplitRepo(a.repo)
	if err = errors.Join(err, repoErr); err != nil {
		log.Error("bad arguments", "err", err)
		return 2
	}
	rp := &failreport.Reporter{Owner: owner, Repo: name, Label: a.label, DryRun: a.dryRun, Secrets: secrets, Log: log}
	if token != "" {
		if rp.Client, err = failreport.NewClient(token, a.apiURL, nil); err != nil {
			log.Error("bad arguments", "err", err)
			return 2
		}
	}
	a.gatherContext(ctx, log)
	out, err := rp.Report(ctx, a.report)
	if err != nil {
		log.Error("failure report failed", "err", failreport.Redact(err.Error(), secrets...))
		return 1
	}
	if err := out.WriteText(stdout); err != nil {
		log.Error("write", "err", err)
		return 1
	}
	return 0
}

// gatherContext adds the error file's text and resolves a run-record prefix. Neither
// may stop the report: what cannot be read is said in the report and logged.
func (a *reportFailureArgs) gatherContext(ctx context.Context, log *slog.Logger) {
	r := &a.report
	if a.errorFile != "" {
		data, err := os.ReadFile(a.errorFile)
		if err != nil {
			log.Warn("error file unreadable; reporting without it", "file", a.errorFile, "err", err)
			data = []byte(fmt.Sprintf("(error file %s unreadable: %v)", a.errorFile, err))
		}
		r.Error = strings.TrimSpace(r.Error + "\n" + string(data))
	}
	if r.RunRecord == "" {
		return
	}
	r.Bucket = jobs.Redact(a.common.Bucket)
	if !strings.HasSuffix(r.RunRecord, "/") {
		return
	}
	b, err := blob.Open(ctx, a.common.Bucket)
	if err != nil {
		log.Warn("run record not resolved", "prefix", r.RunRecord, "err", err)
		return
	}
	defer b.Close()
	key, err := failreport.LatestFailedRun(ctx, b, r.RunRecord)
	if err != nil {
		log.Warn("run record not resolved", "prefix", r.RunRecord, "err", err)
		return
	}
	r.RunRecord = key
}

// logger is the jobs logger (secrets redacted; JSON unless a terminal, per --log-format).
func logger(stderr io.Writer, c *jobs.CommonFlags) (*slog.Logger, error) {
	var log *slog.Logger
	var err error
	if stderr == io.Writer(os.Stderr) {
		log, err = jobs.StderrLogger(c.LogLevel, c.LogFormat)
	} else {
		log, err = jobs.NewLogger(stderr, c.LogLevel, c.LogFormat == "json")
	}
	if err != nil {
		return nil, err
	}
	return log.With("command", "report-failure"), nil
}
