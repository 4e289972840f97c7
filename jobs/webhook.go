package jobs

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/recpipe/recpipe/jobs/event"
)

// MaxWebhookBody bounds a notification body (MinIO sends one record per request).
const MaxWebhookBody = 1 << 20

// Webhook receives MinIO bucket notifications and runs each routed event through a
// Dispatcher, in the request, with at most Workers runs at once. It answers 200 once
// every event is handled (or was already), 500 when a run failed in a way a retry can
// change (MinIO keeps the event in its queue and delivers it again), 400 for a body
// that is not a notification, 401/403 without the right token, 405 for other methods.
type Webhook struct {
	d     *Dispatcher
	token string
	scope scope
	sem   chan struct{}
	log   *slog.Logger
}

// NewWebhook returns the receiver for bucket bucketURL (events of other buckets and
// outside its prefix are ignored). The token is required: MinIO sends it as
// "Authorization: Bearer <token>" (MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_<ID>).
func NewWebhook(d *Dispatcher, token, bucketURL string, workers int) (*Webhook, error) {
	if token == "" {
		return nil, errors.New("webhook: an auth token is required")
	}
	if workers < 1 {
		workers = 1
	}
	return &Webhook{d: d, token: token, scope: scopeOf(bucketURL), sem: make(chan struct{}, workers), log: d.log}, nil
}

// WebhookReply is the JSON body of a webhook answer.
type WebhookReply struct {
	Events   int            `json:"events"`
	Outcomes []ReplyOutcome `json:"outcomes"`
	Error    string         `json:"error,omitempty"`
}

// ReplyOutcome is one function's outcome for one event, as the webhook reports it.
type ReplyOutcome struct {
	Key      string `json:"key"`
	Function string `json:"function"`
	Status   string `json:"status"`
	RunID    string `json:"run_id,omitempty"`
	Retry    bool   `json:"retry,omitempty"` // failed, and a redelivery will run it again
}

func (w *Webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		rw.Header().Set("Allow", http.MethodPost)
		w.reply(rw, http.StatusMethodNotAllowed, WebhookReply{Error: "POST a MinIO notification"})
		return
	}
	switch got := r.Header.Get("Authorization"); {
	case got == "":
		w.reply(rw, http.StatusUnauthorized, WebhookReply{Error: "missing Authorization"})
		return
	case subtle.ConstantTimeCompare([]byte(got), []byte("Bearer "+w.token)) != 1 &&
		subtle.ConstantTimeCompare([]byte(got), []byte(w.token)) != 1:
		w.log.Warn("webhook: wrong token", "remote", r.RemoteAddr)
		w.reply(rw, http.StatusForbidden, WebhookReply{Error: "wrong token"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, MaxWebhookBody))
	if err != nil {
		w.reply(rw, http.StatusBadRequest, WebhookReply{Error: fmt.Sprintf("read body: %v", err)})
		return
	}
	objs, err := event.DecodeMinIO(body)
	if err != nil {
		w.log.Warn("webhook: bad body", "remote", r.RemoteAddr, "err", err)
		w.reply(rw, http.StatusBadRequest, WebhookReply{Error: err.Error()})
		return
	}
	rep := WebhookReply{Events: len(objs), Outcomes: []ReplyOutcome{}}
	code := http.StatusOK
	for _, o := range objs {
		o, ok := w.scope.within(o)
		if !ok {
			w.log.Warn("webhook: event for another bucket or prefix ignored", "event_bucket", o.Bucket, "key", o.Key)
			continue
		}
		select {
		case w.sem <- struct{}{}:
		case <-r.Context().Done():
			w.reply(rw, http.StatusServiceUnavailable, WebhookReply{Error: "cancelled while waiting for a worker"})
			return
		}
		outs, err := w.d.Dispatch(r.Context(), o)
		<-w.sem
		if err != nil && len(outs) == 0 { // failed before any run, e.g. the marker check
			code, rep.Error = http.StatusInternalServerError, err.Error()
		}
		for _, out := range outs {
			retry := out.Status == StatusFailed && !out.Marked
			if retry {
				code = http.StatusInternalServerError
			}
			rep.Outcomes = append(rep.Outcomes, ReplyOutcome{Key: o.Key, Function: out.Function, Status: out.Status, RunID: out.RunID, Retry: retry})
		}
	}
	w.reply(rw, code, rep)
}

func (w *Webhook) reply(rw http.ResponseWriter, code int, rep WebhookReply) {
	rep.Error = Redact(rep.Error)
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(code)
	_ = json.NewEncoder(rw).Encode(rep)
}
