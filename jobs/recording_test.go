package jobs

import (
	"context"
	"io"
	"reflect"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/blob/blobtest"
)

func TestRecording(t *testing.T) {
	ctx := context.Background()
	mem := blob.NewMem()
	for _, k := range []string{"in/a", "in/b", "in/c", "out/same"} {
		blob.PutBytes(ctx, mem, k, []byte("0123456789"), blob.PutOptions{})
	}
	raw := &blobtest.Ranged{Bucket: mem}
	rec := &Record{Inputs: []string{}, Outputs: []string{}}
	b := Recording(raw, rec)

	if _, err := blob.ReadAll(ctx, b, "in/b"); err != nil {
		t.Fatal(err)
	}
	rc, err := blob.GetRange(ctx, b, "in/a", 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(rc); string(got) != "234" || raw.N.Load() != 1 {
		t.Errorf("ranged read %q, %d ranged reads at the backend", got, raw.N.Load())
	}
	blob.ReadAll(ctx, b, "in/b")                                // read twice: one input
	blob.ReadAll(ctx, b, "in/missing")                          // a failed read is no input
	b.Stat(ctx, "in/c")                                         // no content read
	b.List(ctx, "in/")                                          // no content read
	blob.PutIfChanged(ctx, b, "out/same", []byte("0123456789")) // unchanged: not written
	blob.PutIfChanged(ctx, b, "out/new", []byte("x"))
	if _, err := blob.PutBytes(ctx, b, "out/new", []byte("y"), blob.PutOptions{IfAbsent: true}); err == nil {
		t.Fatal("IfAbsent over an object succeeded")
	}
	if want := []string{"in/b", "in/a"}; !reflect.DeepEqual(rec.Inputs, want) {
		t.Errorf("inputs %v, want %v", rec.Inputs, want)
	}
	if want := []string{"out/new"}; !reflect.DeepEqual(rec.Outputs, want) {
		t.Errorf("outputs %v, want %v", rec.Outputs, want)
	}
}
