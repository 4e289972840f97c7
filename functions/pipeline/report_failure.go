package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/envflag"
	"github.com/recpipe/recpipe/internal/redact"
	"github.com/recpipe/recpipe/jobs"
	"github.com/recpipe/recpipe/jobs/failreport"
)

const reportFailurePurpose = "open, or comment on, the GitHub issue for a failed job"

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

// declare declares the report-failure flags; their defaults come from getenv
// (GITHUB_*). The report's required fields and the repository are checked as usage.
func (a *reportFailureArgs) declare(s *envflag.Set, getenv func(string) string) {
	r := &a.report
	r.RunURL, a.label = failreport.RunURL(getenv), failreport.DefaultLabel
	s.String(&r.Function, "function", "", "the failed function or workflow, e.g. etl-daily (required; part of the fingerprint)")
	s.String(&r.Kind, "kind", "", "the error kind, e.g. etl-day-failed or exit-3 (required; part of the fingerprint)")
	s.String(&r.Error, "error", "", "the error text")
	s.String(&a.errorFile, "error-file", "", "append the text of this `FILE` (a log; its tail is kept) to the error; a missing file is noted, not fatal")
	s.String(&r.RunURL, "run-url", "", "link to the CI run (default $GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID)")
	s.String(&r.RunRecord, "run-record", "", "run record `KEY` in the bucket; a prefix ending in / (e.g. runs/etl-day/) means its newest failed record")
	s.String(&a.repo, "repo", "GITHUB_REPOSITORY", "`OWNER/NAME` of the repository")
	s.String(&a.label, "label", "", "label of failure issues")
	s.String(&a.apiURL, "api-url", "GITHUB_API_URL", "GitHub REST API root `URL` (default https://api.github.com)")
	s.Bool(&a.dryRun, "dry-run", "", "print what would be done, write nothing; with GITHUB_TOKEN set it still lists the open issues to tell comment from create, without it no request is made")
	s.Note("The token is read from GITHUB_TOKEN only, never from a flag.")
	s.Rule(func() error {
		_, _, repoErr := failreport.SplitRepo(a.repo)
		return errors.Join(r.Validate(), repoErr)
	})
}

func reportFailure(ctx context.Context, inv jobs.IO) int {
	a := &reportFailureArgs{}
	common, log, code, done := parse("report-failure", reportFailurePurpose, inv, func(s *envflag.Set) { a.declare(s, inv.Getenv) })
	if done {
		return code
	}
	a.common = common
	token := inv.Getenv("GITHUB_TOKEN")
	secrets := []string{token, inv.Getenv("AWS_SECRET_ACCESS_KEY"), inv.Getenv("AWS_SESSION_TOKEN"), inv.Getenv("MINIO_ROOT_PASSWORD")}
	owner, name, _ := failreport.SplitRepo(a.repo)
	rp := &failreport.Reporter{Owner: owner, Repo: name, Label: a.label, DryRun: a.dryRun, Secrets: secrets, Log: log}
	if token != "" {
		var err error
		if rp.Client, err = failreport.NewClient(token, a.apiURL, nil); err != nil {
			log.Error("bad arguments", "err", err)
			return envflag.ExitUsage
		}
	}
	a.gatherContext(ctx, log)
	out, err := rp.Report(ctx, a.report)
	if err != nil {
		log.Error("failure report failed", "err", failreport.Redact(err.Error(), secrets...))
		return 1
	}
	if err := out.WriteText(inv.Stdout); err != nil {
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
	r.Bucket = redact.URL(a.common.Bucket)
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
