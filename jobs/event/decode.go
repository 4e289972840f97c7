package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// ErrNotNotification: the body is not an S3 or MinIO object notification.
var ErrNotNotification = errors.New("not an object notification")

// s3TestEvent is what S3 sends once when a notification configuration is saved.
const s3TestEvent = "s3:TestEvent"

// Decode picks the decoder by shape: a body with a top-level "EventName" or "Key" is a
// MinIO webhook body, anything else an S3 (Lambda) notification.
func Decode(body []byte) ([]Object, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotNotification, err)
	}
	_, name := probe["EventName"]
	_, key := probe["Key"]
	if name || key {
		return DecodeMinIO(body)
	}
	return DecodeS3(body)
}

// DecodeS3 decodes an AWS S3 notification as Lambda delivers it ({"Records": [...]}).
// Records that are not ObjectCreated:* are dropped, as is the s3:TestEvent body.
func DecodeS3(body []byte) ([]Object, error) {
	var head struct {
		Records *[]json.RawMessage `json:"Records"`
		Event   string             `json:"Event"`
	}
	if err := strictObject(body, &head); err != nil {
		return nil, fmt.Errorf("decode S3 notification: %w", err)
	}
	if head.Records == nil {
		if head.Event == s3TestEvent {
			return nil, nil
		}
		return nil, fmt.Errorf("decode S3 notification: %w: no \"Records\" array", ErrNotNotification)
	}
	objs, err := decodeRecords(*head.Records)
	if err != nil {
		return nil, fmt.Errorf("decode S3 notification: %w", err)
	}
	return objs, nil
}

// DecodeMinIO decodes a MinIO webhook body: {"EventName", "Key": "bucket/key",
// "Records": [...]} with records in the S3 shape. The top-level Key, when given with a
// single record, must agree with it.
func DecodeMinIO(body []byte) ([]Object, error) {
	var head struct {
		EventName string             `json:"EventName"`
		Key       string             `json:"Key"`
		Records   *[]json.RawMessage `json:"Records"`
	}
	if err := strictObject(body, &head); err != nil {
		return nil, fmt.Errorf("decode MinIO notification: %w", err)
	}
	if head.EventName == "" || head.Records == nil {
		return nil, fmt.Errorf("decode MinIO notification: %w: needs \"EventName\" and a \"Records\" array", ErrNotNotification)
	}
	if !IsCreated(head.EventName) {
		return nil, nil
	}
	objs, err := decodeRecords(*head.Records)
	if err != nil {
		return nil, fmt.Errorf("decode MinIO notification: %w", err)
	}
	if len(objs) == 1 && head.Key != "" && head.Key != objs[0].Bucket+"/"+objs[0].Key {
		return nil, fmt.Errorf("decode MinIO notification: Key %q does not match record %q in bucket %q",
			head.Key, objs[0].Key, objs[0].Bucket)
	}
	return objs, nil
}

// FromS3Event converts a typed S3 event (as aws-lambda-go hands it to a handler).
func FromS3Event(e events.S3Event) ([]Object, error) {
	var out []Object
	for i, r := range e.Records {
		o, ok, err := fromRecord(r)
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		if ok {
			out = append(out, o)
		}
	}
	return out, nil
}

func decodeRecords(raw []json.RawMessage) ([]Object, error) {
	var out []Object
	for i, m := range raw {
		var r events.S3EventRecord
		if err := json.Unmarshal(m, &r); err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		o, ok, err := fromRecord(r)
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		if ok {
			out = append(out, o)
		}
	}
	return out, nil
}

func fromRecord(r events.S3EventRecord) (Object, bool, error) {
	if r.EventName == "" {
		return Object{}, false, fmt.Errorf("%w: no eventName", ErrNotNotification)
	}
	if !IsCreated(r.EventName) {
		return Object{}, false, nil
	}
	key := r.S3.Object.URLDecodedKey
	if key == "" && r.S3.Object.Key != "" { // built in code rather than unmarshalled
		k, err := url.QueryUnescape(r.S3.Object.Key)
		if err != nil {
			return Object{}, false, fmt.Errorf("key %q: %w", r.S3.Object.Key, err)
		}
		key = k
	}
	if key == "" {
		return Object{}, false, fmt.Errorf("%w: %s without s3.object.key", ErrNotNotification, r.EventName)
	}
	if r.S3.Bucket.Name == "" {
		return Object{}, false, fmt.Errorf("%w: %s of %q without s3.bucket.name", ErrNotNotification, r.EventName, key)
	}
	return Object{
		Name:      r.EventName,
		Bucket:    r.S3.Bucket.Name,
		Key:       key,
		ETag:      strings.Trim(r.S3.Object.ETag, `"`),
		Size:      r.S3.Object.Size,
		Sequencer: r.S3.Object.Sequencer,
		Time:      r.EventTime.UTC(),
	}, true, nil
}

// strictObject decodes body into v and insists that it is one JSON object.
func strictObject(body []byte, v any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return fmt.Errorf("%w: empty body", ErrNotNotification)
	}
	if trimmed[0] != '{' {
		return fmt.Errorf("%w: body is not a JSON object", ErrNotNotification)
	}
	if err := json.Unmarshal(trimmed, v); err != nil {
		return fmt.Errorf("%w: %w", ErrNotNotification, err)
	}
	return nil
}
