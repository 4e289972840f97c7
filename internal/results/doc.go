// Package results builds the published figures of the project from one bucket in
// which one run (`make results`: prepare, train both models with the committed configs,
// release the 20 days, quality-check and ab-eval them) left its outputs:
// docs/results.json ("results/v1", internal/schemas/results.v1.schema.json) and
// docs/results.md, which README.md quotes between markers. Every figure is copied from
// the bucket's documents (the prepared manifest, the champions' training summaries and
// ab-eval's summary), whose checksums the document lists; nothing is computed anew
// except the choice and layout of what is shown.
package results
