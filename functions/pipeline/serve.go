package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"

	"github.com/recpipe/recpipe/functions/internal/handlers"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/jobs"
)

// Defaults of pipeline serve.
const (
	DefaultListen    = "127.0.0.1:8090"
	DefaultEventPath = "/minio/events"
	// EnvWebhookToken holds the token MinIO sends (MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_<ID>).
	EnvWebhookToken = "RECPIPE_WEBHOOK_TOKEN"
)

// hostedFunctions are the functions the event-driven pipeline runs in process.
func hostedFunctions() []jobs.Function {
	return []jobs.Function{handlers.QualityCheck(), handlers.ABEval()}
}

// newDispatcher returns a dispatcher on b hosting fns.
func newDispatcher(b blob.Bucket, log *slog.Logger, fns []jobs.Function) (*jobs.Dispatcher, error) {
	d := jobs.NewDispatcher(b, log)
	for _, f := range fns {
		if err := d.Register(f); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// eventMux serves the webhook at path and a liveness probe at /healthz.
func eventMux(wh http.Handler, path string) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle(path, wh)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	return mux
}

// serve receives MinIO webhook notifications and runs quality-check and ab-eval for
// them, until SIGINT or SIGTERM: each delivery is recorded in the bucket's inbox and
// acknowledged at once, and runs from the queue's workers (see jobs.Queue); a
// restarted serve resumes what was received and not finished.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pipeline serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	common := jobs.RegisterFlags(fs)
	listen := fs.String("listen", jobs.EnvOr("RECPIPE_LISTEN", DefaultListen), "address to listen on (env RECPIPE_LISTEN)")
	path := fs.String("path", DefaultEventPath, "URL path MinIO posts notifications to")
	workers := fs.Int("workers", jobs.DefaultWorkers, "events run at once")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	log, err := commandLogger(stderr, common, "serve")
	if err != nil {
		fmt.Fprintln(stderr, "pipeline serve:", err)
		return 2
	}
	// Libraries log through the default logger (storage retries): the same JSON,
	// redaction, and the function and run id of the run whose context they get.
	slog.SetDefault(log)
	token := os.Getenv(EnvWebhookToken)
	if token == "" || common.Event != "" {
		log.Error("pipeline serve needs " + EnvWebhookToken + " (the token MinIO sends) and takes no --event")
		return 2
	}
	b, err := blob.Open(ctx, common.Bucket)
	if err != nil {
		log.Error("open bucket", "err", err)
		return 1
	}
	defer b.Close()
	d, err := newDispatcher(b, log, hostedFunctions())
	if err != nil {
		log.Error("register", "err", err)
		return 1
	}
	wh, err := jobs.NewWebhook(d, token, common.Bucket, *workers)
	if err != nil {
		log.Error("webhook", "err", err)
		return 2
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Error("listen", "err", err)
		return 1
	}
	if err := jobs.Serve(ctx, l, eventMux(wh, *path), wh.Queue(), log); err != nil {
		log.Error("serve", "err", err)
		return 1
	}
	return 0
}

// commandLogger is the jobs logger for a subcommand (secrets redacted).
func commandLogger(stderr io.Writer, c *jobs.CommonFlags, name string) (*slog.Logger, error) {
	var log *slog.Logger
	var err error
	if stderr == io.Writer(os.Stderr) {
		log, err = jobs.StderrLogger(c.LogLevel, c.LogFormat)
	} else {
		log, err = jobs.NewLogger(stderr, c.LogLevel, c.LogFormat == "json")
	}
	if err != nil {
		return nil, err
	}
	return log.With("command", name), nil
}
