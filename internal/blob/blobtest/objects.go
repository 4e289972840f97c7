package blobtest

import (
	"context"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
)

// Objects maps every key of b under prefix to its bytes: a snapshot to compare.
func Objects(t testing.TB, b blob.Bucket, prefix string) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	list, err := b.List(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, a := range list {
		data, err := blob.ReadAll(ctx, b, a.Key)
		if err != nil {
			t.Fatal(err)
		}
		out[a.Key] = data
	}
	return out
}
