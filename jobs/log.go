package jobs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"

	"github.com/recpipe/recpipe/internal/redact"
)

// Redacted replaces every secret value in logs and run records.
const Redacted = redact.Redacted

// IsSecretName reports whether an attribute, flag or header name names a secret.
func IsSecretName(name string) bool { return redact.IsSecretName(name) }

// Redact removes secrets from free text (redact.Text): every URL goes through
// redact.URL, and name=value pairs whose name names a secret and Authorization header
// values are redacted.
func Redact(s string) string { return redact.Text(s) }

// RedactArgs returns a command line fit for a log or run record (redact.Args): values
// of flags that name a secret ("--token X", "-password=X") and secrets inside other
// args are redacted.
func RedactArgs(args []string) []string { return redact.Args(args) }

// ReplaceAttr is the slog hook that keeps secrets out of logs: the value of any
// attribute whose key names a secret is replaced, and every string (the message,
// errors, URLs) is scrubbed with Redact.
func ReplaceAttr(groups []string, a slog.Attr) slog.Attr {
	if a.Key != slog.TimeKey && a.Key != slog.LevelKey && IsSecretName(a.Key) {
		return slog.String(a.Key, Redacted)
	}
	for _, g := range groups {
		if IsSecretName(g) {
			return slog.String(a.Key, Redacted)
		}
	}
	switch a.Value.Kind() {
	case slog.KindString:
		if s := a.Value.String(); s != "" {
			return slog.String(a.Key, Redact(s))
		}
	case slog.KindAny:
		switch v := a.Value.Any().(type) {
		case error:
			return slog.String(a.Key, Redact(v.Error()))
		case fmt.Stringer:
			return slog.String(a.Key, Redact(v.String()))
		case []string:
			return slog.Any(a.Key, RedactArgs(v))
		}
	}
	return a
}

// NewLogger returns a logger writing to w at level ("debug", "info", "warn", "error"),
// as JSON when json is set and as text otherwise, always through ReplaceAttr.
func NewLogger(w io.Writer, level string, json bool) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", level, err)
	}
	opts := &slog.HandlerOptions{Level: lv, ReplaceAttr: ReplaceAttr}
	if json {
		return slog.New(runHandler{Handler: slog.NewJSONHandler(w, opts)}), nil
	}
	return slog.New(runHandler{Handler: slog.NewTextHandler(w, opts)}), nil
}

type runKey struct{}

// runAttrs are the function and run id a run's context carries.
type runAttrs struct{ function, runID string }

// withRun returns ctx carrying the function and run id of a run, for the records
// that code without the run's logger (storage retries through slog.Default) logs
// with it.
func withRun(ctx context.Context, function, runID string) context.Context {
	return context.WithValue(ctx, runKey{}, runAttrs{function, runID})
}

// runHandler adds the function and run id of the context to a record whose logger
// does not carry them already (a logger made With "run_id" does), and keeps every key
// of a line unique: an attribute whose key the logger or the record already has is
// dropped (the first one stays), so that JSON lines stay valid for strict readers.
type runHandler struct {
	slog.Handler
	keys   []string // keys attached by WithAttrs in the current group
	hasRun bool
}

func (h runHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	seen := slices.Clone(h.keys)
	add := func(a slog.Attr) {
		if !slices.Contains(seen, a.Key) {
			seen = append(seen, a.Key)
			out.AddAttrs(a)
		}
	}
	r.Attrs(func(a slog.Attr) bool { add(a); return true })
	if a, ok := ctx.Value(runKey{}).(runAttrs); ok && !h.hasRun {
		add(slog.String("function", a.function))
		if a.runID != "" {
			add(slog.String("run_id", a.runID))
		}
	}
	return h.Handler.Handle(ctx, out)
}

func (h runHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	keys := slices.Clone(h.keys)
	kept := make([]slog.Attr, 0, len(attrs))
	for _, a := range attrs {
		if !slices.Contains(keys, a.Key) {
			keys = append(keys, a.Key)
			kept = append(kept, a)
		}
	}
	return runHandler{Handler: h.Handler.WithAttrs(kept), keys: keys, hasRun: h.hasRun || slices.Contains(keys, "run_id")}
}

func (h runHandler) WithGroup(name string) slog.Handler {
	return runHandler{Handler: h.Handler.WithGroup(name), hasRun: h.hasRun}
}

// StderrLogger is Logger on os.Stderr.
func StderrLogger(level, format string) (*slog.Logger, error) {
	return Logger(os.Stderr, level, format)
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// IsTerminal reports whether w is a terminal: a character device, or a writer that
// says so with an IsTerminal method (tests of terminal output use one).
func IsTerminal(w io.Writer) bool {
	if t, ok := w.(interface{ IsTerminal() bool }); ok {
		return t.IsTerminal()
	}
	f, ok := w.(*os.File)
	return ok && isTerminal(f)
}
