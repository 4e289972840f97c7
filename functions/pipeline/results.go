package main

import (
	"context"
	"fmt"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/envflag"
	"github.com/recpipe/recpipe/internal/results"
	"github.com/recpipe/recpipe/jobs"
)

const resultsPurpose = "write docs/results.json and docs/results.md (and README's quote) from a bucket one make results run filled"

// resultsCmd writes docs/results.json and docs/results.md from a bucket that one whole
// run has filled (make results), and quotes results.md in README.md.
func resultsCmd(ctx context.Context, inv jobs.IO) int {
	out, readme, ablations, dry := "docs", "README.md", "", false
	common, _, code, done := parse("results", resultsPurpose, inv, func(s *envflag.Set) {
		s.String(&out, "out", "", "`DIR` for results.json and results.md", envflag.NotEmpty())
		s.String(&readme, "readme", "", "README `FILE` whose results markers quote results.md (empty: none)")
		s.String(&ablations, "ablations", "", "SS4Rec's ablations `FILE` (docs/ss4rec-ablations.json, from scripts/ss4rec-ablations.sh) to quote (empty: none)")
		s.Bool(&dry, "dry-run", "", "build and validate the documents, print results.md, write nothing")
	})
	if done {
		return code
	}
	fail := func(err error) int {
		fmt.Fprintln(inv.Stderr, "pipeline results:", jobs.Redact(err.Error()))
		return 1
	}
	b, err := blob.Open(ctx, common.Bucket)
	if err != nil {
		return fail(err)
	}
	defer b.Close()
	doc, err := results.Build(ctx, b)
	if err != nil {
		return fail(err)
	}
	if ablations != "" {
		if err := doc.AddAblations(ablations, ablations); err != nil {
			return fail(err)
		}
	}
	if dry {
		if _, err := results.Encode(doc); err != nil {
			return fail(err)
		}
		inv.Stdout.Write(results.Markdown(doc))
		return 0
	}
	if err := results.Write(doc, out, readme); err != nil {
		return fail(err)
	}
	fmt.Fprintf(inv.Stdout, "wrote %s/results.json and %s/results.md; verdict: %s\n", out, out, doc.Verdict)
	return 0
}
