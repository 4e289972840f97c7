// Command pipeline hosts the local pipeline commands as subcommands:
//
//	pipeline demo                      # the whole life on file://./data (make demo)
//	pipeline serve                     # MinIO webhook receiver: quality-check and ab-eval on events
//	pipeline status [--json]           # where the pipeline stands, from the bucket alone
//	pipeline fetch-results --dest DIR  # the etl/, quality/, abtest/ JSON and report.html
//	pipeline report-failure --function etl-daily --kind etl-day-failed [--dry-run] ...
//
// Each subcommand is one entry of the table in main.go; its flags take their defaults
// from the environment (--bucket from BUCKET_URL, else file://./data).
//
// demo prepares the shipped ml-latest-small, trains NCF and SS4Rec with
// configs/*-demo.yaml and promotes them, then releases the feed one day at a time with
// etl-day's logic. It never calls quality-check or ab-eval: it opens the bucket through
// jobs.Embedded with a dispatcher hosting both, so each day's manifest commit runs
// quality-check and each report runs ab-eval, as object events would on MinIO or S3.
// At the end every routed object is delivered once more (duplicates must run nothing)
// and a summary is printed. A second demo writes nothing and runs nothing.
//
// serve is the same dispatcher behind jobs.Webhook on --listen (default
// 127.0.0.1:8090, path /minio/events), with the token of RECPIPE_WEBHOOK_TOKEN; it
// answers a notification once its runs are done, so MinIO's retries and queue keep
// delivery at-least-once, and on SIGINT/SIGTERM it finishes the runs in flight.
//
// The steps that demo calls (lifecycle.go) are the domain packages' APIs: etl.Prepare,
// trainer.TrainRun and trainer.Promote, etl.Releaser. status reads the bucket through
// internal/pipelinestatus, the reader it shares with the dashboard.
package main
