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

// Webhook receives MinIO bucket notifications. It checks the token and the body,
// receives each routed event durably on its Queue (an inbox entry in the bucket) and
// answers at once, before anything runs: the runs go on from the queue's workers,
// however long they take, with the queue's retries. It answers 200 once every event
// is received (or was handled before), 500 when one could not be recorded (MinIO keeps
// the event in its queue and delivers it again), 400 for a body that is not a
// notification, 401/403 without the right token, 405 for other methods.
type Webhook struct {
	q     *Queue
	token string
	scope scope
	log   *slog.Logger
}

// NewWebhook returns the receiver for bucket bucketURL (events of other buckets and
// outside its prefix are ignored), running at most workers events at once. The token
// is required: MinIO sends it as "Authorization: Bearer <token>"
// (MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_<ID>).
func NewWebhook(d *Dispatcher, token, bucketURL string, workers int) (*Webhook, error) {
	if token == "" {
		return nil, errors.New("webhook: an auth token is required")
	}
	q := NewQueue(d, QueueOptions{Workers: workers, Inbox: true})
	return &Webhook{q: q, token: token, scope: scopeOf(bucketURL), log: d.log}, nil
}

// Queue is the queue the webhook receives on: Resume it at start, Shut it down at the end.
func (w *Webhook) Queue() *Queue { return w.q }

// WebhookReply is the JSON body of a webhook answer.
type WebhookReply struct {
	Events   int            `json:"events"`
	Outcomes []ReplyOutcome `json:"outcomes"`
	Error    string         `json:"error,omitempty"`
}

// ReplyOutcome is one function's delivery of one event, as the webhook reports it.
type ReplyOutcome struct {
	Key      string `json:"key"`
	ETag     string `json:"etag"`
	Function string `json:"function"`
	Status   string `json:"status"`          // received, or duplicate (handled before)
	Prior    string `json:"prior,omitempty"` // for a duplicate: how it ended (ok, skipped, failed)
	RunID    string `json:"run_id,omitempty"`
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
		dls, err := w.q.Receive(r.Context(), o)
		if err != nil {
			w.log.Error("webhook: event not received: MinIO will deliver it again", "key", o.Key, "err", err)
			code, rep.Error = http.StatusInternalServerError, err.Error()
		}
		for _, dl := range dls {
			ro := ReplyOutcome{Key: o.Key, ETag: dl.ETag, Function: dl.Function, Status: dl.Receipt}
			if ro.Status == StatusDuplicate {
				out := dl.Outcome()
				ro.Prior, ro.RunID = out.Prior, out.RunID
			}
			rep.Outcomes = append(rep.Outcomes, ro)
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
