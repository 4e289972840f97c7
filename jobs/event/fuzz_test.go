package event

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// addFixtures seeds f with the notification bodies of testdata/ whose names start
// with prefix (besides the corpus under testdata/fuzz/<target>).
func addFixtures(f *testing.F, prefix string) {
	names, _ := filepath.Glob(filepath.Join("testdata", prefix+"*.json"))
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// checkObjects is what a decoded notification promises: only object-created events,
// each with a bucket and a key.
func checkObjects(t *testing.T, body []byte, objs []Object) {
	t.Helper()
	for _, o := range objs {
		if !IsCreated(o.Name) || o.Key == "" || o.Bucket == "" {
			t.Fatalf("decoded %q into %+v", body, o)
		}
	}
}

// FuzzDecodeS3: any body decodes into created-object events or an error; never a
// panic. Seeds: the s3-*.json fixtures and testdata/fuzz/FuzzDecodeS3.
func FuzzDecodeS3(f *testing.F) {
	addFixtures(f, "s3-")
	f.Add([]byte(`{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"a%2"}}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		objs, err := DecodeS3(body)
		if err == nil {
			checkObjects(t, body, objs)
		}
	})
}

// FuzzDecodeMinIO: as FuzzDecodeS3 for MinIO webhook bodies; a decoded single record
// agrees with the body's Key. Seeds: the minio-*.json fixtures and
// testdata/fuzz/FuzzDecodeMinIO.
func FuzzDecodeMinIO(f *testing.F) {
	addFixtures(f, "minio-")
	f.Fuzz(func(t *testing.T, body []byte) {
		objs, err := DecodeMinIO(body)
		if err != nil {
			return
		}
		checkObjects(t, body, objs)
		if len(objs) == 1 && strings.Contains(string(body), `"Key"`) {
			// Decode picks this decoder for such a body: it must agree.
			again, err := Decode(body)
			if err != nil || len(again) != 1 || again[0] != objs[0] {
				t.Fatalf("Decode(%q) = %+v, %v; DecodeMinIO gave %+v", body, again, err, objs)
			}
		}
	})
}
