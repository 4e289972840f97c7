package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// ShutdownGrace is how long a stopping receiver lets the runs in progress finish;
// what is left stays in the inbox for the next start.
const ShutdownGrace = 2 * time.Minute

// ReceiveTimeout bounds reading a notification and writing its answer: a delivery is
// acknowledged once recorded, long before any run ends.
const ReceiveTimeout = 10 * time.Second

// Serve receives notifications with h on l until ctx ends: first it resumes the
// events that q's inbox holds (received by an earlier receiver and not finished),
// then it serves; at the end the listener closes at once, and the queue gets
// ShutdownGrace to finish the runs in progress.
func Serve(ctx context.Context, l net.Listener, h http.Handler, q *Queue, log *slog.Logger) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: ReceiveTimeout, ReadTimeout: ReceiveTimeout, WriteTimeout: ReceiveTimeout,
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) }}
	if _, err := q.Resume(ctx); err != nil {
		log.Error("resume the inbox", "err", err) // the entries that could be read are queued
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	log.Info("receiving notifications", "addr", l.Addr().String(), "functions", q.d.hostedNames())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing the runs in progress", "grace", ShutdownGrace.String())
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	var errs []error
	if err := srv.Shutdown(sctx); err != nil {
		errs = append(errs, fmt.Errorf("shutdown: %w", err))
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		errs = append(errs, err)
	}
	if err := q.Shutdown(sctx); err != nil {
		errs = append(errs, fmt.Errorf("runs still in progress after %s: they resume at the next start: %w", ShutdownGrace, err))
	}
	log.Info("stopped")
	return errors.Join(errs...)
}
