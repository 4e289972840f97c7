// Package pipelinestatus reads where the pipeline stands from the bucket alone: the
// prepared datasets, the champions, etl/status.json, each day's release, quality
// verdict and A/B outcome, the cumulative A/B comparison and the newest run record of
// each function. It is a downstream reader of the jobs' documents (etl, quality,
// abtest, model, jobs); its Snapshot is the document that `pipeline status --json`
// prints and that the dashboard serves at /api/status (schema pipeline-status/v1).
package pipelinestatus
