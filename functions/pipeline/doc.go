// Command pipeline hosts the local pipeline commands as subcommands:
//
//	pipeline demo                      # the whole life on file://./data (make demo)
//	pipeline serve                     # MinIO webhook receiver: quality-check, ab-eval and retrain on events
//	pipeline status [--json]           # where the pipeline stands, from the bucket alone
//	pipeline fetch-results --dest DIR  # the etl/, quality/, abtest/ JSON and report.html
//	pipeline report-failure --function etl-daily --kind etl-day-failed [--dry-run] ...
//
// Each subcommand is one entry of the table in main.go; its flags are declared with
// their environment variables (internal/envflag: --bucket from BUCKET_URL, else
// file://./data), and a usage error exits 2 before anything is opened.
//
// demo (functions/internal/demo) prepares the dataset (the shipped ml-latest-small
// unless DATASET says otherwise), trains NCF and SS4Rec with configs/*-demo.yaml and
// promotes them, then releases the feed one day at a time: with the stage code of the
// prepare, train-gpu and etl-day binaries and their settings from the environment. It
// never calls quality-check or ab-eval: it opens the bucket through jobs.Embedded with a
// dispatcher hosting both, so each day's manifest commit runs quality-check and each
// report runs ab-eval, as object events would on MinIO or S3. At the end every routed
// object is delivered once more (duplicates must run nothing) and a summary is
// printed. A second demo writes nothing and runs nothing.
//
// serve is the same dispatcher behind jobs.Webhook on --listen (default
// 127.0.0.1:8090, path /minio/events), with the token of RECPIPE_WEBHOOK_TOKEN; it
// answers a notification once its runs are done, so MinIO's retries and queue keep
// delivery at-least-once, and on SIGINT/SIGTERM it finishes the runs in flight.
//
// status reads the bucket through internal/pipelinestatus, the reader it shares with
// the dashboard.
package main
