package minioinfra

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/notification"

	"github.com/recpipe/recpipe/jobs"
)

// DefaultTargetID is the webhook target id the server settings and the ARN share.
const DefaultTargetID = "RECPIPE"

// WebhookARN is the queue ARN MinIO gives a webhook target with the given id.
func WebhookARN(targetID string) notification.Arn {
	return notification.NewArn("minio", "sqs", "", targetID, "webhook")
}

// Notifications is the bucket notification configuration generated from the routing
// table: object-created events of each route's prefix and suffix (under the bucket's
// key prefix, if any) go to the webhook target.
func Notifications(keyPrefix string, arn notification.Arn) (notification.Configuration, error) {
	var cfg notification.Configuration
	for _, r := range jobs.Routes {
		c := notification.NewConfig(arn)
		c.AddEvents(notification.ObjectCreatedAll)
		c.AddFilterPrefix(joinPrefix(keyPrefix, r.Prefix))
		c.AddFilterSuffix(r.Suffix)
		if !cfg.AddQueue(c) {
			return cfg, fmt.Errorf("route %s overlaps another route's notification filter", r.Name)
		}
	}
	return cfg, nil
}

func joinPrefix(keyPrefix, p string) string {
	if keyPrefix == "" {
		return p
	}
	return path.Clean(keyPrefix) + "/" + p
}

// ServerSettings are the environment variables a MinIO server needs for its webhook
// target: where to post, the bearer token, and a queue directory that keeps events
// while the receiver is down (so delivery survives restarts).
type ServerSettings struct {
	TargetID  string // default DefaultTargetID
	Endpoint  string // e.g. http://127.0.0.1:8090/minio/events
	AuthToken string // sent as "Authorization: Bearer <token>"
	QueueDir  string // folder for undelivered events
}

// Env returns the settings as KEY=VALUE pairs, sorted.
func (s ServerSettings) Env() []string {
	id := s.TargetID
	if id == "" {
		id = DefaultTargetID
	}
	m := map[string]string{
		"MINIO_NOTIFY_WEBHOOK_ENABLE_" + id:   "on",
		"MINIO_NOTIFY_WEBHOOK_ENDPOINT_" + id: s.Endpoint,
	}
	if s.AuthToken != "" {
		m["MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_"+id] = s.AuthToken
	}
	if s.QueueDir != "" {
		m["MINIO_NOTIFY_WEBHOOK_QUEUE_DIR_"+id] = s.QueueDir
	}
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// Setup creates bucket if it is missing and replaces its notification configuration
// with the one generated from the routing table. It is idempotent.
func Setup(ctx context.Context, c *minio.Client, bucket, keyPrefix, targetID string) error {
	ok, err := c.BucketExists(ctx, bucket)
	if err != nil {
		return fmt.Errorf("check bucket %s: %w", bucket, err)
	}
	if !ok {
		if err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
			return fmt.Errorf("create bucket %s: %w", bucket, err)
		}
	}
	if targetID == "" {
		targetID = DefaultTargetID
	}
	cfg, err := Notifications(strings.Trim(keyPrefix, "/"), WebhookARN(targetID))
	if err != nil {
		return err
	}
	if err := c.SetBucketNotification(ctx, bucket, cfg); err != nil {
		return fmt.Errorf("set notifications on %s (is the server started with MINIO_NOTIFY_WEBHOOK_ENABLE_%s=on?): %w", bucket, targetID, err)
	}
	return nil
}
