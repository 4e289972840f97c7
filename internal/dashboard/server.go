package dashboard

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/pipelinestatus"
	"github.com/recpipe/recpipe/internal/redact"
)

// Defaults of the dashboard.
const (
	DefaultListen = "127.0.0.1:8080"
	DefaultPoll   = 2 * time.Second
	// EnvToken holds the token the dashboard requires (required off loopback).
	EnvToken = "RECPIPE_DASHBOARD_TOKEN"
)

//go:embed web
var webFS embed.FS

// Options configure a Server.
type Options struct {
	Bucket blob.Bucket
	// Token, when set, must come with every request (see Listen for when it is required).
	Token string
	// Poll is how often the bucket is listed for changes (DefaultPoll when 0).
	Poll time.Duration
	Log  *slog.Logger
}

// Server is the dashboard over one bucket.
type Server struct {
	b         blob.Bucket
	token     string
	poll      time.Duration
	log       *slog.Logger
	bucketURL string // redacted, for the page header
	docs      *docCache
	watch     *watcher
	mux       *http.ServeMux
}

// New returns a dashboard over o.Bucket. Its pages are told of changes once Watch runs.
func New(o Options) *Server {
	s := &Server{b: o.Bucket, token: o.Token, poll: o.Poll, log: o.Log, docs: newDocCache()}
	s.bucketURL = redact.URL(s.b.URL())
	if s.poll <= 0 {
		s.poll = DefaultPoll
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.watch = newWatcher(s.b, s.poll, s.log)
	s.mux = http.NewServeMux()
	static, err := fs.Sub(webFS, "web")
	if err != nil {
		panic(err) // the embedded folder is part of the binary
	}
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	s.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, static, "index.html")
	})
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	s.mux.HandleFunc("GET /api/events", s.watch.serveEvents)
	s.mux.HandleFunc("GET /api/status", s.status)
	for name, view := range map[string]func(context.Context) (any, error){
		"overview": s.overview, "etl": s.etlView, "quality": s.qualityView, "ab": s.abView, "models": s.modelsView,
	} {
		s.mux.HandleFunc("GET /api/"+name, s.serveView(view))
	}
	return s
}

// Handler is the dashboard's HTTP handler: read-only, behind the token when one is set.
func (s *Server) Handler() http.Handler {
	return securityHeaders(readOnly(requireToken(s.token, s.mux)))
}

// Watch lists the bucket every poll interval and tells the open pages when it changed,
// until ctx ends.
func (s *Server) Watch(ctx context.Context) { s.watch.run(ctx) }

// status serves pipelinestatus.Snapshot as `pipeline status --json` prints it.
func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	snap, err := pipelinestatus.Read(r.Context(), s.b)
	if err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err := pipelinestatus.WriteJSON(w, snap); err != nil {
		s.log.Warn("write /api/status", "err", err)
	}
}

func (s *Server) serveView(view func(context.Context) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		gen, _ := s.watch.state() // before reading: a change meanwhile is told again
		v, err := view(r.Context())
		if err != nil {
			s.fail(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Dashboard-Generation", strconv.Itoa(gen))
		w.Header().Set("X-Dashboard-Bucket", s.bucketURL)
		if err := json.NewEncoder(w).Encode(v); err != nil {
			s.log.Warn("write view", "path", r.URL.Path, "err", err)
		}
	}
}

// fail answers 500 with the error: a document that cannot be read names its key.
func (s *Server) fail(w http.ResponseWriter, err error) {
	s.log.Error("read the bucket", "err", err)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusInternalServerError)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}

// Serve serves the dashboard on l and watches the bucket until ctx ends, then shuts down.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	go s.Watch(wctx)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	s.log.Info("dashboard", "url", "http://"+l.Addr().String()+"/", "bucket", s.bucketURL, "poll", s.poll.String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
