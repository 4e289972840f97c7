package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/jobs"
	"github.com/recpipe/recpipe/quality"
)

func TestServeNeedsToken(t *testing.T) {
	t.Setenv(EnvWebhookToken, "")
	var out bytes.Buffer
	if code := run(context.Background(), []string{"serve", "--bucket", "mem://", "--log-format", "text"}, &out, &out); code != 2 || !strings.Contains(out.String(), EnvWebhookToken) {
		t.Errorf("serve without a token: exit %d, %q", code, out.String())
	}
}

// The receiver's routes: the webhook checks the token and the body; /healthz answers.
func TestEventMux(t *testing.T) {
	d, err := newDispatcher(blob.NewMem(), slog.New(slog.DiscardHandler), testFunctions())
	if err != nil {
		t.Fatal(err)
	}
	wh, err := jobs.NewWebhook(d, "tok", "s3://recpipe", 1)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(eventMux(wh, DefaultEventPath))
	defer srv.Close()
	tests := []struct {
		method, path, auth, body string
		code                     int
	}{
		{"GET", "/healthz", "", "", 200},
		{"POST", DefaultEventPath, "", "{}", 401},
		{"POST", DefaultEventPath, "Bearer nope", "{}", 403},
		{"POST", DefaultEventPath, "Bearer tok", "not json", 400},
		{"GET", DefaultEventPath, "Bearer tok", "", 405},
		{"POST", "/other", "Bearer tok", "{}", 404},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.code {
			t.Errorf("%s %s (%s): %d, want %d", tt.method, tt.path, tt.auth, resp.StatusCode, tt.code)
		}
	}
}

// Gate failures are not demo errors; other failures are.
func TestSplitGateFailures(t *testing.T) {
	gate := jobs.Exit(3, jobs.Final(fmt.Errorf("day 2: %w", quality.ErrGateFailed)))
	other := errors.New("read etl/day=02/batch.csv: connection reset")
	tests := []struct {
		err       error
		final     bool
		demoError bool
	}{
		{nil, false, false},
		{gate, true, false},
		{other, false, true},
	}
	for _, tt := range tests {
		err := tt.err
		if err == nil {
			continue
		}
		gates, others := splitGateFailures([]error{err})
		if (len(others) == 1) != tt.demoError || len(gates)+len(others) != 1 {
			t.Errorf("splitGateFailures(%v) = %v, %v", err, gates, others)
		}
	}
}
