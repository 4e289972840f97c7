package lambdatest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Object is one object-created event to deliver: the full key in the bucket (key
// prefix included), as S3 names it.
type Object struct {
	Bucket string
	Key    string
	ETag   string // without quotes
	Size   int64
}

// EncodeKey URL-encodes a key the way S3 notifications carry it: form encoding of
// each path segment (a space becomes +, = becomes %3D), slashes kept.
func EncodeKey(key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = url.QueryEscape(p)
	}
	return strings.Join(parts, "/")
}

// S3Event returns an S3 notification body holding one ObjectCreated:Put record per
// object, in order, shaped as Lambda delivers it (the fields of AWS's documented
// event, version 2.1).
func S3Event(at time.Time, objs ...Object) ([]byte, error) {
	type m = map[string]any
	recs := make([]any, 0, len(objs))
	for i, o := range objs {
		if o.Bucket == "" || o.Key == "" {
			return nil, fmt.Errorf("s3 event: record %d needs a bucket and a key", i)
		}
		recs = append(recs, m{
			"eventVersion":      "2.1",
			"eventSource":       "aws:s3",
			"awsRegion":         "us-east-1",
			"eventTime":         at.UTC().Add(time.Duration(i) * time.Millisecond).Format("2006-01-02T15:04:05.000Z"),
			"eventName":         "ObjectCreated:Put",
			"userIdentity":      m{"principalId": "AWS:AROAEXAMPLEROLEID:lambdatest"},
			"requestParameters": m{"sourceIPAddress": "127.0.0.1"},
			"responseElements":  m{"x-amz-request-id": fmt.Sprintf("LAMBDATEST%06d", i), "x-amz-id-2": "lambdatest"},
			"s3": m{
				"s3SchemaVersion": "1.0",
				"configurationId": "lambdatest",
				"bucket": m{
					"name":          o.Bucket,
					"ownerIdentity": m{"principalId": "A3LAMBDATEST"},
					"arn":           "arn:aws:s3:::" + o.Bucket,
				},
				"object": m{
					"key":       EncodeKey(o.Key),
					"size":      o.Size,
					"eTag":      o.ETag,
					"sequencer": fmt.Sprintf("%016X", at.UnixNano()+int64(i)),
				},
			},
		})
	}
	return json.MarshalIndent(m{"Records": recs}, "", "  ")
}
