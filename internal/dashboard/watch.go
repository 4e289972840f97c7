package dashboard

import (
	"context"
	"crypto/sha256"
	"fmt"
	"github.com/recpipe/recpipe/internal/layout"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
)

// watchedPrefixes are the folders whose documents the pages show.
var watchedPrefixes = []string{layout.PreparedPrefix, layout.ETLPrefix, layout.QualityPrefix, layout.ABPrefix, layout.ModelsPrefix, layout.RunsPrefix}

// heartbeat keeps an idle event stream open through proxies.
const heartbeat = 15 * time.Second

// watcher lists the bucket every poll and counts the changes: generation goes up by one
// each time the listing (keys and ETags) differs from the previous one.
type watcher struct {
	b    blob.Bucket
	poll time.Duration
	log  *slog.Logger

	mu         sync.Mutex
	generation int
	sum        [32]byte
	changed    chan struct{} // closed and replaced at every change
	lastErr    string
}

func newWatcher(b blob.Bucket, poll time.Duration, log *slog.Logger) *watcher {
	return &watcher{b: b, poll: poll, log: log, changed: make(chan struct{})}
}

// run polls until ctx ends.
func (w *watcher) run(ctx context.Context) {
	t := time.NewTicker(w.poll)
	defer t.Stop()
	for {
		w.check(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// check lists the watched prefixes once and records a change.
func (w *watcher) check(ctx context.Context) {
	h := sha256.New()
	for _, p := range watchedPrefixes {
		list, err := w.b.List(ctx, p)
		if err != nil {
			if ctx.Err() == nil {
				w.noteErr(err)
			}
			return
		}
		for _, a := range list {
			fmt.Fprintf(h, "%s\x00%s\x00%d\n", a.Key, a.ETag, a.Size)
		}
	}
	var sum [32]byte
	h.Sum(sum[:0])
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lastErr = ""
	if sum == w.sum {
		return
	}
	w.sum = sum
	w.generation++
	close(w.changed)
	w.changed = make(chan struct{})
}

func (w *watcher) noteErr(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if msg := err.Error(); msg != w.lastErr {
		w.lastErr = msg
		w.log.Warn("list the bucket for changes", "err", err)
	}
}

// state is the current generation and the channel closed at the next change.
func (w *watcher) state() (int, <-chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.generation, w.changed
}

// serveEvents streams server-sent events: "generation" with the current generation at
// once, then again at every change. The page fetches its data again when the
// generation it shows is older.
func (w *watcher) serveEvents(rw http.ResponseWriter, r *http.Request) {
	fl, ok := rw.(http.Flusher)
	if !ok {
		http.Error(rw, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	rw.Header().Set("Content-Type", "text/event-stream")
	rw.Header().Set("Cache-Control", "no-store")
	rw.Header().Set("X-Accel-Buffering", "no")
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	sent := -1
	for {
		gen, changed := w.state()
		if gen != sent {
			if _, err := fmt.Fprintf(rw, "event: generation\ndata: %d\n\n", gen); err != nil {
				return
			}
			fl.Flush()
			sent = gen
		}
		select {
		case <-r.Context().Done():
			return
		case <-changed:
		case <-beat.C:
			if _, err := fmt.Fprint(rw, ": keep-alive\n\n"); err != nil {
				return
			}
			fl.Flush()
		}
	}
}
