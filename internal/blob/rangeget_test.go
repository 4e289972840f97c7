package blob_test

import (
	"context"
	"io"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/blob/blobtest"
)

func TestGetRangeSurvivesWrapping(t *testing.T) {
	inner := &blobtest.Ranged{Bucket: blob.NewMem()}
	b := blob.WithCommitHook(blob.WithRetry(inner, blob.RetryPolicy{}), func(context.Context, blob.Attrs) {})
	if _, err := blob.PutBytes(t.Context(), b, "k", []byte("0123456789"), blob.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	rc, err := blob.GetRange(t.Context(), b, "k", 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != "3456" || inner.N.Load() != 1 {
		t.Errorf("range = %q with %d backend ranged reads; want \"3456\" and 1", got, inner.N.Load())
	}
}
