package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/recpipe/recpipe/functions/internal/abeval"
	"github.com/recpipe/recpipe/functions/internal/qualitycheck"
	"github.com/recpipe/recpipe/functions/internal/retrain"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/envflag"
	"github.com/recpipe/recpipe/jobs"
)

// Defaults of pipeline serve.
const (
	DefaultListen    = "127.0.0.1:8090"
	DefaultEventPath = "/minio/events"
	// EnvWebhookToken holds the token MinIO sends (MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_<ID>).
	EnvWebhookToken = "RECPIPE_WEBHOOK_TOKEN"
)

// hostedFunctions are the functions the event-driven pipeline runs in process, with
// their settings from the environment (as the binaries and Lambda read them). A
// malformed setting is a usage error.
func hostedFunctions(getenv func(string) string) ([]jobs.Function, error) {
	qc, err := qualitycheck.ConfigFromEnv(getenv)
	if err != nil {
		return nil, fmt.Errorf("quality-check: %w", err)
	}
	ab, err := abeval.ConfigFromEnv(getenv)
	if err != nil {
		return nil, fmt.Errorf("ab-eval: %w", err)
	}
	rt, err := retrain.ConfigFromEnv(getenv)
	if err != nil {
		return nil, fmt.Errorf("retrain: %w", err)
	}
	return []jobs.Function{qualitycheck.Function(qc), abeval.Function(ab), retrain.Function(rt)}, nil
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

const servePurpose = "receive MinIO webhook notifications and run quality-check, ab-eval and retrain for them"

// serve receives MinIO webhook notifications and runs quality-check, ab-eval and retrain for
// them, until SIGINT or SIGTERM: each delivery is recorded in the bucket's inbox and
// acknowledged at once, and runs from the queue's workers (see jobs.Queue); a
// restarted serve resumes what was received and not finished.
func serve(ctx context.Context, inv jobs.IO) int {
	listen, path, workers := DefaultListen, DefaultEventPath, jobs.DefaultWorkers
	common, log, code, done := parse("serve", servePurpose, inv, func(s *envflag.Set) {
		s.String(&listen, "listen", "RECPIPE_LISTEN", "`ADDRESS` to listen on", envflag.NotEmpty())
		s.String(&path, "path", "", "URL `PATH` MinIO posts notifications to", func(v string) error {
			if !strings.HasPrefix(v, "/") {
				return errors.New("want a path starting with /")
			}
			return nil
		})
		s.Int(&workers, "workers", "", "events run at once", envflag.AtLeast(1))
		s.Note("The webhook token is read from " + EnvWebhookToken + " only (required): the token MinIO sends.")
	})
	if done {
		return code
	}
	// Libraries log through the default logger (storage retries): the same JSON,
	// redaction, and the function and run id of the run whose context they get.
	slog.SetDefault(log)
	token := inv.Getenv(EnvWebhookToken)
	if token == "" {
		fmt.Fprintf(inv.Stderr, "pipeline serve: usage error: set %s (the token MinIO sends)\n", EnvWebhookToken)
		return envflag.ExitUsage
	}
	fns, err := hostedFunctions(inv.Getenv)
	if err != nil {
		fmt.Fprintln(inv.Stderr, "pipeline serve:", jobs.Redact(err.Error()))
		return envflag.ExitUsage
	}
	b, err := blob.Open(ctx, common.Bucket)
	if err != nil {
		log.Error("open bucket", "err", err)
		return 1
	}
	defer b.Close()
	d, err := newDispatcher(b, log, fns)
	if err != nil {
		log.Error("register", "err", err)
		return 1
	}
	wh, err := jobs.NewWebhook(d, token, common.Bucket, workers)
	if err != nil {
		log.Error("webhook", "err", err)
		return 2
	}
	l, err := net.Listen("tcp", listen)
	if err != nil {
		log.Error("listen", "err", err)
		return 1
	}
	if err := jobs.Serve(ctx, l, eventMux(wh, path), wh.Queue(), log); err != nil {
		log.Error("serve", "err", err)
		return 1
	}
	return 0
}
