// Package event holds object-event types as plain data, and decoders that turn the
// notifications of AWS S3 (and Lambda) and of MinIO webhooks into them.
package event

import "time"

// Object is one "object created" notification, decoded once, with its key URL-decoded
// and relative to the bucket (no bucket name, no prefix handling beyond what the
// source gives).
type Object struct {
	Name      string    `json:"name"`   // e.g. "s3:ObjectCreated:Put" or "ObjectCreated:Put"
	Bucket    string    `json:"bucket"` // bucket name; empty for file:// and mem://
	Key       string    `json:"key"`
	ETag      string    `json:"etag"`
	Size      int64     `json:"size"`
	Sequencer string    `json:"sequencer,omitempty"`
	Time      time.Time `json:"time"`
}
