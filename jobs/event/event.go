package event

import (
	"strings"
	"time"
)

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

// Created is the event name the in-process (file://, mem://) delivery gives a commit.
const Created = "ObjectCreated:Put"

// IsCreated reports whether an S3-style event name ("ObjectCreated:Put",
// "s3:ObjectCreated:CompleteMultipartUpload", ...) is an object-created event.
func IsCreated(name string) bool {
	return strings.HasPrefix(strings.TrimPrefix(name, "s3:"), "ObjectCreated:")
}

// WithinPrefix returns o with prefix removed from its key, and whether the key was
// under prefix at all. A bucket URL with a prefix (s3://bucket/prefix) stores its keys
// under "prefix/"; notifications name the full key, so a receiver trims it before
// routing. An empty prefix keeps every key.
func (o Object) WithinPrefix(prefix string) (Object, bool) {
	if prefix == "" {
		return o, true
	}
	p := strings.TrimSuffix(prefix, "/") + "/"
	if !strings.HasPrefix(o.Key, p) || len(o.Key) == len(p) {
		return o, false
	}
	o.Key = o.Key[len(p):]
	return o, true
}
