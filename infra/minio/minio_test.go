package minioinfra

import (
	"strings"
	"testing"

	"github.com/recpipe/recpipe/jobs"
)

func TestNotificationsFollowRoutes(t *testing.T) {
	cfg, err := Notifications("", WebhookARN("X"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.QueueConfigs) != len(jobs.Routes) {
		t.Fatalf("got %d queue configs, want one per route (%d)", len(cfg.QueueConfigs), len(jobs.Routes))
	}
	for i, q := range cfg.QueueConfigs {
		r := jobs.Routes[i]
		if q.Queue != "arn:minio:sqs::X:webhook" {
			t.Errorf("queue ARN = %q", q.Queue)
		}
		var prefix, suffix string
		for _, f := range q.Filter.S3Key.FilterRules {
			switch f.Name {
			case "prefix":
				prefix = f.Value
			case "suffix":
				suffix = f.Value
			}
		}
		if prefix != r.Prefix || suffix != r.Suffix {
			t.Errorf("route %s: filter %q..%q, want %q..%q", r.Name, prefix, suffix, r.Prefix, r.Suffix)
		}
	}
}

func TestNotificationsUnderKeyPrefix(t *testing.T) {
	cfg, err := Notifications("team/recs/", WebhookARN("X"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range cfg.QueueConfigs {
		for _, f := range q.Filter.S3Key.FilterRules {
			if f.Name == "prefix" && !strings.HasPrefix(f.Value, "team/recs/") {
				t.Errorf("prefix %q is not under the key prefix", f.Value)
			}
		}
	}
}

func TestServerSettingsEnv(t *testing.T) {
	env := ServerSettings{Endpoint: "http://127.0.0.1:1/e", AuthToken: "tok", QueueDir: "/q"}.Env()
	want := []string{
		"MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_RECPIPE=tok",
		"MINIO_NOTIFY_WEBHOOK_ENABLE_RECPIPE=on",
		"MINIO_NOTIFY_WEBHOOK_ENDPOINT_RECPIPE=http://127.0.0.1:1/e",
		"MINIO_NOTIFY_WEBHOOK_QUEUE_DIR_RECPIPE=/q",
	}
	if strings.Join(env, "\n") != strings.Join(want, "\n") {
		t.Fatalf("Env() = %q, want %q", env, want)
	}
}
