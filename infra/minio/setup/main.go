// Command setup prepares a MinIO server for the pipeline: it creates the bucket and binds
// its notifications, generated from the routing table, to the webhook target that
// `pipeline serve` receives. With -print-env it prints the server settings instead.
//
//	go run ./infra/minio/setup -endpoint 127.0.0.1:9000 -bucket recpipe
//	go run ./infra/minio/setup -print-env -webhook http://127.0.0.1:8090/minio/events -queue-dir /tmp/q
//
// Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or MINIO_ROOT_USER /
// MINIO_ROOT_PASSWORD); the webhook token from RECPIPE_WEBHOOK_TOKEN.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	minioinfra "github.com/recpipe/recpipe/infra/minio"
)

func main() {
	endpoint := flag.String("endpoint", envOr("MINIO_ENDPOINT", "127.0.0.1:9000"), "MinIO host:port or URL (env MINIO_ENDPOINT)")
	bucket := flag.String("bucket", envOr("MINIO_BUCKET", "recpipe"), "bucket to create and bind (env MINIO_BUCKET)")
	prefix := flag.String("prefix", "", "key prefix the pipeline writes under, if any")
	target := flag.String("target-id", minioinfra.DefaultTargetID, "webhook target id (MINIO_NOTIFY_WEBHOOK_*_<ID>)")
	printEnv := flag.Bool("print-env", false, "print the server's webhook settings and exit")
	webhook := flag.String("webhook", "http://127.0.0.1:8090/minio/events", "with -print-env: the receiver's URL")
	queueDir := flag.String("queue-dir", "", "with -print-env: folder where MinIO keeps undelivered events")
	flag.Parse()

	if *printEnv {
		s := minioinfra.ServerSettings{TargetID: *target, Endpoint: *webhook, QueueDir: *queueDir}
		if os.Getenv("RECPIPE_WEBHOOK_TOKEN") != "" {
			s.AuthToken = "$RECPIPE_WEBHOOK_TOKEN" // printed as a reference, never the value
		}
		for _, kv := range s.Env() {
			fmt.Println("export " + kv)
		}
		return
	}
	if err := run(*endpoint, *bucket, *prefix, *target); err != nil {
		slog.Error("minio setup failed", "err", err)
		os.Exit(1)
	}
	slog.Info("minio bucket ready", "bucket", *bucket, "prefix", *prefix, "target", *target)
}

func run(endpoint, bucket, prefix, target string) error {
	secure := strings.HasPrefix(endpoint, "https://")
	host := strings.TrimPrefix(strings.TrimPrefix(endpoint, "https://"), "http://")
	user := envOr("AWS_ACCESS_KEY_ID", os.Getenv("MINIO_ROOT_USER"))
	pass := envOr("AWS_SECRET_ACCESS_KEY", os.Getenv("MINIO_ROOT_PASSWORD"))
	c, err := minio.New(host, &minio.Options{Creds: credentials.NewStaticV4(user, pass, ""), Secure: secure})
	if err != nil {
		return fmt.Errorf("minio client for %s: %w", host, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return minioinfra.Setup(ctx, c, bucket, prefix, target)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
