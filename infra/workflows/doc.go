// Package workflows checks the GitHub Actions workflows in .github/workflows offline.
//
// Lint runs github.com/rhysd/actionlint as a library (with .github/actionlint.yaml, which
// the actionlint CLI reads too, as its config: the self-hosted runner label "gpu" and the
// repository variables the workflows may read; shellcheck on the run: scripts when it is
// installed). Load gives a
// typed view of one workflow (actionlint's AST) and Scripts / MakeTargets pull out its
// run: steps, so tests can assert the contract: every step is a Make target a person can
// run locally, and no ${{ }} expression is expanded inside a script. RunJob runs a job's
// run: steps locally, as the runner would, so a test can replay the nightly ETL.
package workflows
