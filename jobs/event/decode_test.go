package event

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/recpipe/recpipe/internal/layout"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestDecode(t *testing.T) {
	manifest := Object{
		Name: "ObjectCreated:Put", Bucket: "recpipe-data", Key: "etl/day=01/_manifest.json",
		ETag: "9b2cf535f27731c974343645a3985328", Size: 1874, Sequencer: "00673D9A87609E1C2B",
		Time: ts("2026-11-20T02:00:07.412Z"),
	}
	multipart := Object{
		Name: "ObjectCreated:CompleteMultipartUpload", Bucket: "recpipe-data", Key: "raw/ml latest small/README+notes.txt",
		ETag: "2c6ee24b09816a6f14f95d1698b24ead-2", Size: 10523, Sequencer: "00673D9B5D2C1E0F11",
		Time: ts("2026-11-20T02:03:41.005Z"),
	}
	report := Object{
		Name: "s3:ObjectCreated:Put", Bucket: "recpipe", Key: layout.QualityReport(3),
		ETag: "e0f1a2b3c4d5e6f708192a3b4c5d6e7f", Size: 4210, Sequencer: "187A2B9C3D5A1B22",
		Time: ts("2026-11-20T10:41:22.573Z"),
	}
	champion := Object{
		Name: "s3:ObjectCreated:Put", Bucket: "recpipe", Key: "models/ss4rec/champion.json",
		ETag: "0cc175b9c0f1b6a831c399e269772661", Size: 312, Sequencer: "187A2B8A11D2E3F4",
		Time: ts("2026-11-20T10:39:02.101Z"),
	}
	// Bodies captured from the pinned MinIO server (webhook target, PUTs with curl).
	captured := func(key, seq, at string) Object {
		return Object{Name: "s3:ObjectCreated:Put", Bucket: "recpipe", Key: key, ETag: "74ae48746eeb1a1873b5f55a81db6b44",
			Size: 11, Sequencer: seq, Time: ts(at)}
	}
	type decoder func([]byte) ([]Object, error)
	tests := []struct {
		name    string
		decode  decoder
		file    string
		body    string // used when file is empty
		want    []Object
		wantErr error  // errors.Is target, when set
		errHas  string // substring of the error text, when set
	}{
		{name: "s3 put, escaped key", decode: DecodeS3, file: "s3-put-escaped.json", want: []Object{manifest}},
		{name: "s3 plus and %2B, delete dropped", decode: DecodeS3, file: "s3-multi.json", want: []Object{multipart}},
		{name: "s3 delete only", decode: DecodeS3, file: "s3-delete.json", want: nil},
		{name: "s3 test event", decode: DecodeS3, file: "s3-test-event.json", want: nil},
		{name: "s3 empty records", decode: DecodeS3, body: `{"Records": []}`, want: nil},
		{name: "s3 bad escape", decode: DecodeS3, file: "s3-bad-escape.json", errHas: "record 0"},
		{name: "s3 record without key", decode: DecodeS3, file: "s3-no-key.json", wantErr: ErrNotNotification, errHas: "s3.object.key"},
		{name: "s3 not a notification", decode: DecodeS3, file: "not-notification.json", wantErr: ErrNotNotification, errHas: "Records"},
		{name: "s3 empty body", decode: DecodeS3, body: "  ", wantErr: ErrNotNotification, errHas: "empty body"},
		{name: "s3 array body", decode: DecodeS3, body: `[1,2]`, wantErr: ErrNotNotification, errHas: "not a JSON object"},
		{name: "s3 broken JSON", decode: DecodeS3, body: `{"Records": [`, wantErr: ErrNotNotification},
		{name: "s3 record without eventName", decode: DecodeS3, body: `{"Records":[{"s3":{}}]}`, wantErr: ErrNotNotification, errHas: "eventName"},
		{name: "minio put", decode: DecodeMinIO, file: "minio-put.json", want: []Object{report}},
		{name: "minio champion", decode: DecodeMinIO, file: "minio-champion.json", want: []Object{champion}},
		{name: "captured minio manifest", decode: DecodeMinIO, file: "minio-captured-manifest.json",
			want: []Object{captured("etl/day=01/_manifest.json", "18EB911D5C45CC45", "2026-11-26T10:20:31.729Z")}},
		{name: "captured minio champion", decode: Decode, file: "minio-captured-champion.json",
			want: []Object{captured("models/ss4rec/champion.json", "18EB911C260A9D8B", "2026-11-26T10:20:26.522Z")}},
		{name: "captured minio space and plus", decode: DecodeMinIO, file: "minio-captured-space-plus.json",
			want: []Object{captured("etl/day=02/my file+x/_manifest.json", "18EB911D5DDBB8B1", "2026-11-26T10:20:31.752Z")}},
		{name: "minio delete", decode: DecodeMinIO, file: "minio-delete.json", want: nil},
		{name: "minio key mismatch", decode: DecodeMinIO, file: "minio-key-mismatch.json", errHas: "does not match"},
		{name: "minio given an S3 body", decode: DecodeMinIO, file: "s3-put-escaped.json", wantErr: ErrNotNotification, errHas: "EventName"},
		{name: "minio not a notification", decode: DecodeMinIO, file: "not-notification.json", wantErr: ErrNotNotification},
		{name: "sniff minio", decode: Decode, file: "minio-put.json", want: []Object{report}},
		{name: "sniff s3", decode: Decode, file: "s3-put-escaped.json", want: []Object{manifest}},
		{name: "sniff s3 test event", decode: Decode, file: "s3-test-event.json", want: nil},
		{name: "sniff garbage", decode: Decode, body: "GET / HTTP/1.1", wantErr: ErrNotNotification},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.body)
			if tt.file != "" {
				body = fixture(t, tt.file)
			}
			got, err := tt.decode(body)
			if tt.wantErr != nil || tt.errHas != "" {
				if err == nil {
					t.Fatalf("want an error, got %+v", got)
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("error %q is not %v", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.errHas) {
					t.Errorf("error %q does not mention %q", err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestFromS3EventBuiltInCode(t *testing.T) {
	// A typed event that was not unmarshalled has no URLDecodedKey: the key is decoded here.
	e := events.S3Event{Records: []events.S3EventRecord{{
		EventName: "ObjectCreated:Copy",
		S3: events.S3Entity{
			Bucket: events.S3Bucket{Name: "b"},
			Object: events.S3Object{Key: "quality/day%3D07/report.json", ETag: "abc"},
		},
	}}}
	got, err := FromS3Event(e)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Key != layout.QualityReport(7) {
		t.Fatalf("got %+v", got)
	}
}

func TestIsCreated(t *testing.T) {
	for name, want := range map[string]bool{
		"ObjectCreated:Put":                        true,
		"s3:ObjectCreated:Put":                     true,
		"s3:ObjectCreated:CompleteMultipartUpload": true,
		"ObjectRemoved:Delete":                     false,
		"s3:ObjectAccessed:Get":                    false,
		"":                                         false,
	} {
		if got := IsCreated(name); got != want {
			t.Errorf("IsCreated(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestWithinPrefix(t *testing.T) {
	tests := []struct {
		prefix, key, want string
		ok                bool
	}{
		{"", "etl/day=01/_manifest.json", "etl/day=01/_manifest.json", true},
		{"team/a", "team/a/etl/day=01/_manifest.json", "etl/day=01/_manifest.json", true},
		{"team/a/", "team/a/etl/day=01/_manifest.json", "etl/day=01/_manifest.json", true},
		{"team/a", "team/ab/etl/day=01/_manifest.json", "", false},
		{"team/a", "team/a/", "", false},
	}
	for _, tt := range tests {
		got, ok := Object{Key: tt.key}.WithinPrefix(tt.prefix)
		if ok != tt.ok || (ok && got.Key != tt.want) {
			t.Errorf("WithinPrefix(%q) of %q = %q, %v; want %q, %v", tt.prefix, tt.key, got.Key, ok, tt.want, tt.ok)
		}
	}
}
