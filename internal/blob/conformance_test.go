package blob_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/blob/blobtest"
)

func TestMemConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Bucket { return blob.NewMem() })
}

func TestFileConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Bucket { return newFile(t, filepath.Join(t.TempDir(), "bucket")) })
}

// Wrappers must keep every guarantee of what they wrap.
func TestWrappedFileConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Bucket {
		b := blob.WithRetry(newFile(t, t.TempDir()), blob.RetryPolicy{})
		return blob.WithCommitHook(b, func(context.Context, blob.Attrs) {})
	})
}

func newFile(t *testing.T, dir string) *blob.File {
	t.Helper()
	b, err := blob.NewFile(dir, "file://"+dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}
