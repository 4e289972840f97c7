// Package jobs is the job runtime every function binary runs in. It knows no domain
// package: functions register their handlers with it.
//
//   - The routing table (Routes, Match): which kind of key of the bucket layout
//     (internal/layout) starts which function, once, in code; infra generators read
//     it. A routed event reaches its function with its key parsed (Event.Parsed).
//   - Dispatch (Dispatcher): runs the registered functions an event is routed to. The
//     same (function, key, ETag) never runs twice: a run takes a claim on the event
//     (runs/<function>/claims/, a conditional write with a lease it renews; another
//     process waits, and takes an expired claim over, recording its run abandoned),
//     and a marker under runs/<function>/events/ is written with IfAbsent once the
//     event is handled (ok, skipped, a final failure, or given up on). A duplicate of
//     a failed run is a failure, never a success.
//   - The one dispatch loop (Queue) of every entry point: it receives events (with an
//     inbox, durably in runs/<function>/inbox/ before the delivery is acknowledged),
//     runs them on a bounded pool of workers, retries failures with bounded backoff
//     (RetryPolicy) and gives up with a failed marker; Resume picks up what a stopped
//     receiver left. In-process delivery (Embedded) for file:// and mem:// buckets
//     queues the routed event of each commit.
//   - Run records (Record) at runs/<function>/<id>.json: trigger, start, end, status,
//     inputs, outputs, error, wall and CPU seconds, peak memory, build version. A run's
//     bucket (Env.Bucket, Recording) records every object it reads and writes.
//   - Logging (NewLogger, StderrLogger): log/slog, JSON off a terminal, every line of a
//     run carrying run_id and function (also lines logged through slog.Default with
//     the run's context, e.g. storage retries), secrets redacted (ReplaceAttr, Redact).
//   - Entry points: Main / RunCommand for a binary (a Command: its flags, declared once
//     with their environment variables on an envflag.Set, its command line run and its
//     event handler) run from the command line or for --event FILE,
//     S3Handler when AWS Lambda starts the binary, and Webhook, the http.Handler that
//     receives MinIO notifications, served by Serve (pipeline serve).
//
// Retries of transient storage errors live in the storage layer (internal/blob).
package jobs
