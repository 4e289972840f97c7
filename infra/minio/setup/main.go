// Command setup prepares a MinIO server for the pipeline: it creates the bucket and binds
// its notifications, generated from the routing table, to the webhook target that
// `pipeline serve` receives. With -print-env it prints the server settings instead.
//
//	go run ./infra/minio/setup -endpoint 127.0.0.1:9000 -bucket recpipe
//	go run ./infra/minio/setup -print-env -webhook http://127.0.0.1:8090/minio/events -queue-dir /tmp/q
//
// Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or MINIO_ROOT_USER /
// MINIO_ROOT_PASSWORD); the webhook token from RECPIPE_WEBHOOK_TOKEN. A usage error
// (a bad flag, a stray argument) exits 2 before the server is contacted.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	minioinfra "github.com/recpipe/recpipe/infra/minio"
	"github.com/recpipe/recpipe/internal/envflag"
	"github.com/recpipe/recpipe/jobs"
)

const purpose = "create the pipeline's bucket on a MinIO server and bind its notifications to the webhook of `pipeline serve` (--print-env: print the server's webhook settings instead)"

func main() {
	ctx, stop := jobs.SignalContext()
	code := run(ctx, jobs.ProcessIO())
	stop()
	os.Exit(code)
}

// run is the command on inv; it returns the exit status.
func run(ctx context.Context, inv jobs.IO) int {
	endpoint, bucket, prefix, target := "127.0.0.1:9000", "recpipe", "", minioinfra.DefaultTargetID
	webhook, queueDir := "http://127.0.0.1:8090/minio/events", ""
	var printEnv bool
	s := envflag.New("setup", purpose)
	s.String(&endpoint, "endpoint", "MINIO_ENDPOINT", "MinIO `host:port` or URL", envflag.NotEmpty())
	s.String(&bucket, "bucket", "MINIO_BUCKET", "bucket to create and bind", envflag.NotEmpty())
	s.String(&prefix, "prefix", "", "key prefix the pipeline writes under, if any")
	s.String(&target, "target-id", "", "webhook target id (MINIO_NOTIFY_WEBHOOK_*_<ID>)", envflag.NotEmpty())
	s.Bool(&printEnv, "print-env", "", "print the server's webhook settings and exit")
	s.String(&webhook, "webhook", "", "with --print-env: the receiver's `URL`")
	s.String(&queueDir, "queue-dir", "", "with --print-env: `folder` where MinIO keeps undelivered events")
	s.Rule(func() error {
		if !printEnv && (s.Given("webhook") || s.Given("queue-dir")) {
			return fmt.Errorf("--webhook and --queue-dir go with --print-env")
		}
		return nil
	})
	if code, done := jobs.ParseFlags(s, inv); done {
		return code
	}
	log, err := jobs.NewLogger(inv.Stderr, "info", !jobs.IsTerminal(inv.Stderr))
	if err != nil {
		fmt.Fprintln(inv.Stderr, "setup:", err)
		return envflag.ExitFailed
	}
	if printEnv {
		st := minioinfra.ServerSettings{TargetID: target, Endpoint: webhook, QueueDir: queueDir}
		if inv.Getenv("RECPIPE_WEBHOOK_TOKEN") != "" {
			st.AuthToken = "$RECPIPE_WEBHOOK_TOKEN" // printed as a reference, never the value
		}
		for _, kv := range st.Env() {
			fmt.Fprintln(inv.Stdout, "export "+kv)
		}
		return envflag.ExitOK
	}
	if err := setup(ctx, inv.Getenv, endpoint, bucket, prefix, target); err != nil {
		log.Error("minio setup failed", "err", err)
		return envflag.ExitFailed
	}
	log.Info("minio bucket ready", "bucket", bucket, "prefix", prefix, "target", target)
	return envflag.ExitOK
}

func setup(ctx context.Context, getenv func(string) string, endpoint, bucket, prefix, target string) error {
	secure := strings.HasPrefix(endpoint, "https://")
	host := strings.TrimPrefix(strings.TrimPrefix(endpoint, "https://"), "http://")
	user := envOr(getenv, "AWS_ACCESS_KEY_ID", getenv("MINIO_ROOT_USER"))
	pass := envOr(getenv, "AWS_SECRET_ACCESS_KEY", getenv("MINIO_ROOT_PASSWORD"))
	c, err := minio.New(host, &minio.Options{Creds: credentials.NewStaticV4(user, pass, ""), Secure: secure})
	if err != nil {
		return fmt.Errorf("minio client for %s: %w", host, err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return minioinfra.Setup(ctx, c, bucket, prefix, target)
}

func envOr(getenv func(string) string, k, def string) string {
	if v := getenv(k); v != "" {
		return v
	}
	return def
}
