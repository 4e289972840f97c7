package lambdatest

import (
	"testing"
	"time"

	"github.com/recpipe/recpipe/jobs/event"
)

func TestEncodeKey(t *testing.T) {
	for in, want := range map[string]string{
		"etl/day=01/_manifest.json":  "etl/day%3D01/_manifest.json",
		"a b/c+d.json":               "a+b/c%2Bd.json",
		"models/ncf/champion.json":   "models/ncf/champion.json",
		"quality/é/report.json":      "quality/%C3%A9/report.json",
		"recpipe/quality/day=02/x y": "recpipe/quality/day%3D02/x+y",
	} {
		if got := EncodeKey(in); got != want {
			t.Errorf("EncodeKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// The bodies decode, through the pipeline's decoder, to the objects they were made of,
// in order.
func TestS3EventRoundTrip(t *testing.T) {
	objs := []Object{
		{Bucket: "b", Key: "recpipe/etl/day=01/_manifest.json", ETag: "0123", Size: 10},
		{Bucket: "other", Key: "a b/c+d=e.json", ETag: "4567", Size: 0},
	}
	body, err := S3Event(time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC), objs...)
	if err != nil {
		t.Fatal(err)
	}
	got, err := event.DecodeS3(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(objs) {
		t.Fatalf("%d objects decoded, want %d", len(got), len(objs))
	}
	for i, o := range objs {
		g := got[i]
		if g.Bucket != o.Bucket || g.Key != o.Key || g.ETag != o.ETag || g.Size != o.Size || !event.IsCreated(g.Name) {
			t.Errorf("record %d decoded as %+v, want %+v", i, g, o)
		}
	}
	if _, err := S3Event(time.Now(), Object{Key: "k"}); err == nil {
		t.Error("a record without a bucket must be an error")
	}
}
