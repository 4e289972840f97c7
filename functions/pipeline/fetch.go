package main

import (
	"context"
	"fmt"

	"github.com/recpipe/recpipe/functions/internal/fetchresults"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/envflag"
	"github.com/recpipe/recpipe/jobs"
)

const fetchPurpose = "copy the etl/, quality/ and abtest/ JSON results (and report.html) into --dest"

// fetchResultsCmd copies the JSON results (and the A/B report) into a folder.
func fetchResultsCmd(ctx context.Context, inv jobs.IO) int {
	dest := "results"
	common, _, code, done := parse("fetch-results", fetchPurpose, inv, func(s *envflag.Set) {
		s.String(&dest, "dest", "", "`DIR` to copy into, keeping the bucket's keys", envflag.NotEmpty())
	})
	if done {
		return code
	}
	b, err := blob.Open(ctx, common.Bucket)
	if err != nil {
		fmt.Fprintln(inv.Stderr, "pipeline fetch-results:", jobs.Redact(err.Error()))
		return 1
	}
	defer b.Close()
	n, err := fetchresults.Fetch(ctx, b, dest)
	if err != nil {
		fmt.Fprintln(inv.Stderr, "pipeline fetch-results:", jobs.Redact(err.Error()))
		return 1
	}
	fmt.Fprintf(inv.Stdout, "fetched %d objects into %s (%d changed)\n", n.Objects, dest, n.Written)
	return 0
}
