package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/jobs"
)

func TestServeNeedsToken(t *testing.T) {
	var out bytes.Buffer
	inv := jobs.IO{Args: []string{"serve", "--bucket", "mem://", "--log-format", "text"}, Getenv: func(string) string { return "" }, Stdout: &out, Stderr: &out}
	if code := run(context.Background(), inv); code != 2 || !strings.Contains(out.String(), EnvWebhookToken) {
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
