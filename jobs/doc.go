// Package jobs is the job runtime every function binary runs in. It knows no domain
// package: functions register their handlers with it.
//
//   - The routing table (Routes, Match): which kind of key of the bucket layout
//     (internal/layout) starts which function, once, in code; infra generators read
//     it. A routed event reaches its function with its key parsed (Event.Parsed).
//   - Dispatch (Dispatcher): runs the registered functions an event is routed to. The
//     same (function, key, ETag) never runs twice: a marker under
//     runs/<function>/events/ is written with IfAbsent after a run succeeds (failures
//     are not marked, so a redelivery retries them), and concurrent duplicates in one
//     process wait for the one run.
//   - In-process delivery (Embedded, Queue) for file:// and mem:// buckets: a commit
//     queues the routed event and a bounded pool of workers runs the next stage.
//   - Run records (Record) at runs/<function>/<id>.json: trigger, start, end, status,
//     inputs, outputs, error, wall and CPU seconds, peak memory, build version. A run's
//     bucket (Env.Bucket, Recording) records every object it reads and writes.
//   - Logging (NewLogger, StderrLogger): log/slog, JSON off a terminal, every line of a
//     run carrying run_id and function, secrets redacted (ReplaceAttr, Redact).
//   - Entry points: Main / RunCommand for a binary (a Command: its flags, declared once
//     with their environment variables on an envflag.Set, its command line run and its
//     event handler) run from the command line or for --event FILE,
//     S3Handler when AWS Lambda starts the binary, and Webhook, the http.Handler that
//     receives MinIO notifications (pipeline serve).
//
// Retries of transient storage errors live in the storage layer (internal/blob).
package jobs
