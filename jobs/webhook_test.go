package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
)

func TestWebhook(t *testing.T) {
	read := func(name string) string {
		data, err := os.ReadFile(filepath.Join("event", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	report := read("minio-put.json")                                                         // quality/day=03/report.json in bucket "recpipe"
	other := strings.NewReplacer("day%3D03", "day%3D04", "day=03", "day=04").Replace(report) // quality/day=04/report.json
	log, logs := testLogger(t)
	b := blob.NewMem()
	d := NewDispatcher(b, log)
	d.SetOptions(DeliveryOptions{Retry: RetryPolicy{MaxAttempts: 2, Initial: time.Millisecond}})
	var runs atomic.Int64
	var mode atomic.Value // "ok", "fail", "fail once" or "final"
	mode.Store("ok")
	if err := d.Register(Function{Name: ABEval, OnEvent: func(ctx context.Context, env *Env, ev Event) error {
		runs.Add(1)
		switch mode.Load() {
		case "fail":
			return errors.New("models not ready")
		case "fail once":
			mode.Store("ok")
			return errors.New("models not ready")
		case "final":
			return Final(errors.New("report is corrupt"))
		}
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	const token = "tok-" + secret
	wh, err := NewWebhook(d, token, "s3://recpipe", 2)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(wh)
	defer srv.Close()

	tests := []struct {
		name     string
		method   string
		auth     string
		body     string
		mode     string
		code     int
		statuses string // the outcomes' statuses, comma-separated
		runs     int64  // once the queue is idle
		marker   string // the marker's status then ("" for none)
	}{
		{"GET", http.MethodGet, "Bearer " + token, "", "ok", http.StatusMethodNotAllowed, "", 0, ""},
		{"no token", http.MethodPost, "", report, "ok", http.StatusUnauthorized, "", 0, ""},
		{"wrong token", http.MethodPost, "Bearer nope", report, "ok", http.StatusForbidden, "", 0, ""},
		{"not JSON", http.MethodPost, "Bearer " + token, "hello", "ok", http.StatusBadRequest, "", 0, ""},
		{"an S3 body", http.MethodPost, "Bearer " + token, read("s3-put-escaped.json"), "ok", http.StatusBadRequest, "", 0, ""},
		{"run fails once: retried", http.MethodPost, "Bearer " + token, report, "fail once", http.StatusOK, "received", 2, "ok"},
		{"duplicate", http.MethodPost, "Bearer " + token, report, "fail", http.StatusOK, "duplicate", 2, "ok"},
		{"delete event", http.MethodPost, "Bearer " + token, read("minio-delete.json"), "ok", http.StatusOK, "", 2, ""},
		{"final failure is not retried", http.MethodPost, "Bearer " + token, read("minio-champion.json"), "final", http.StatusOK, "received", 3, "failed"},
		{"token without Bearer", http.MethodPost, token, read("minio-champion.json"), "final", http.StatusOK, "duplicate", 3, "failed"},
		{"keeps failing: given up", http.MethodPost, "Bearer " + token, other, "fail", http.StatusOK, "received", 5, "failed"},
	}
	for _, tt := range tests {
		mode.Store(tt.mode)
		req, _ := http.NewRequest(tt.method, srv.URL+"/minio/events", strings.NewReader(tt.body))
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var rep WebhookReply
		if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
			t.Errorf("%s: reply is not JSON: %v", tt.name, err)
		}
		resp.Body.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := wh.Queue().Wait(ctx); err != nil {
			t.Fatal(err)
		}
		cancel()
		var statuses []string
		for _, o := range rep.Outcomes {
			statuses = append(statuses, o.Status)
		}
		if resp.StatusCode != tt.code || strings.Join(statuses, ",") != tt.statuses || runs.Load() != tt.runs {
			t.Errorf("%s: %d %v after %d runs; want %d [%s] after %d (%+v)", tt.name, resp.StatusCode, statuses, runs.Load(), tt.code, tt.statuses, tt.runs, rep)
		}
		if len(rep.Outcomes) == 1 {
			o := rep.Outcomes[0]
			var m Marker
			_ = blob.ReadJSON(context.Background(), b, layout.EventMarker(o.Function, o.Key, o.ETag), &m)
			if m.Status != tt.marker {
				t.Errorf("%s: marker %+v, want status %q", tt.name, m, tt.marker)
			}
			if o.Status == StatusDuplicate && o.Prior != tt.marker {
				t.Errorf("%s: a duplicate of %q replied prior %q", tt.name, tt.marker, o.Prior)
			}
		}
	}
	if inbox := keys(t, b, "runs/ab-eval/inbox/"); len(inbox) != 0 {
		t.Errorf("handled events left in the inbox: %v", inbox)
	}
	if strings.Contains(logs.String(), secret) {
		t.Error("the token reached the logs")
	}
	if _, err := NewWebhook(d, "", "s3://recpipe", 1); err == nil {
		t.Error("a webhook without a token was accepted")
	}
}
