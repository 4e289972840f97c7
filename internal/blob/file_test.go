package blob_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/recpipe/recpipe/internal/blob"
)

func TestFileCreatesMissingRoot(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not", "yet", "there")
	b := newFile(t, dir)
	put := func(key, data string) {
		t.Helper()
		if _, err := blob.PutBytes(t.Context(), b, key, []byte(data), blob.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	put("a/b.txt", "x")
	if got, err := os.ReadFile(filepath.Join(dir, "a", "b.txt")); err != nil || string(got) != "x" {
		t.Fatalf("object on disk = %q, %v", got, err)
	}
}

func TestFileRefusesEscapes(t *testing.T) {
	base := t.TempDir()
	root, outside := filepath.Join(base, "root"), filepath.Join(base, "outside")
	if err := os.MkdirAll(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o644); err != nil {
		t.Fatal(err)
	}
	b := newFile(t, root)
	if err := os.Symlink(outside, filepath.Join(root, "out")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "secret-link")); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for _, key := range []string{"out/secret", "secret-link", "out/new"} {
		if _, err := b.Get(ctx, key); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("get %s: err = %v, want ErrInvalidKey", key, err)
		}
		if _, err := b.Stat(ctx, key); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("stat %s: err = %v, want ErrInvalidKey", key, err)
		}
	}
	_, err := blob.PutBytes(ctx, b, "out/new", []byte("x"), blob.PutOptions{})
	if !errors.Is(err, blob.ErrInvalidKey) || !strings.Contains(err.Error(), "outside the bucket root") {
		t.Errorf("put through a symlink out of the root: err = %v, want ErrInvalidKey naming the escape", err)
	}
	if _, err := os.Stat(filepath.Join(outside, "new")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a write escaped the root: %v", err)
	}
	if ls, err := b.List(ctx, ""); err != nil || len(ls) != 0 {
		t.Errorf("list shows symlinks as objects: %v, %v", ls, err)
	}
}

func TestFileHidesTempFiles(t *testing.T) {
	dir := t.TempDir()
	b := newFile(t, dir)
	ctx := t.Context()
	// A crash between write and rename leaves a temp file behind.
	if err := os.WriteFile(filepath.Join(dir, ".recpipe-tmp-0123"), []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	blob.PutBytes(ctx, b, "k", []byte("old"), blob.PutOptions{})
	// A body that fails half-way leaves the old object and no temp file.
	_, err := b.Put(ctx, "k", iotest.TimeoutReader(iotest.OneByteReader(strings.NewReader("new content"))), blob.PutOptions{})
	if err == nil {
		t.Fatal("put with a failing body succeeded")
	}
	if got, _ := blob.ReadAll(ctx, b, "k"); string(got) != "old" {
		t.Errorf("a failed put changed the object to %q", got)
	}
	// A lost conditional write leaves nothing either.
	if _, err := blob.PutBytes(ctx, b, "k", []byte("x"), blob.PutOptions{IfAbsent: true}); !errors.Is(err, blob.ErrExists) {
		t.Fatalf("conditional put: %v", err)
	}
	ls, err := b.List(ctx, "")
	if err != nil || len(ls) != 1 || ls[0].Key != "k" {
		t.Errorf("list = %v, %v; want only k", ls, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 { // k and the crash leftover
		t.Errorf("folder holds %d entries, want 2 (k and the old leftover): %v", len(entries), entries)
	}
	if _, err := blob.PutBytes(ctx, b, "a/.recpipe-tmp-x", []byte("x"), blob.PutOptions{}); !errors.Is(err, blob.ErrInvalidKey) {
		t.Errorf("put of a reserved name: err = %v, want ErrInvalidKey", err)
	}
}

// Files written or changed behind the bucket's back get a correct ETag too.
func TestFileETagOfForeignFiles(t *testing.T) {
	dir := t.TempDir()
	b := newFile(t, dir)
	ctx := t.Context()
	if err := os.WriteFile(filepath.Join(dir, "copied.csv"), []byte("1,2,3,4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if a, err := b.Stat(ctx, "copied.csv"); err != nil || a.ETag != blob.ETagOf([]byte("1,2,3,4\n")) {
		t.Errorf("stat of a foreign file = %+v, %v", a, err)
	}
	blob.PutBytes(ctx, b, "edited", []byte("before"), blob.PutOptions{})
	// Rewrite in place (same inode, so any stored ETag goes stale).
	f, err := os.OpenFile(filepath.Join(dir, "edited"), os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, "after, longer")
	f.Close()
	if a, err := b.Stat(ctx, "edited"); err != nil || a.ETag != blob.ETagOf([]byte("after, longer")) {
		t.Errorf("stat of an edited file = %+v, %v; want the new content's ETag", a, err)
	}
}

func TestOpenRelativeFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	b, err := blob.Open(t.Context(), "file://./data")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := blob.PutBytes(t.Context(), b, "x", []byte("1"), blob.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "x")); err != nil {
		t.Errorf("file://./data did not write under the working folder: %v", err)
	}
	if b.URL() != "file://./data" {
		t.Errorf("URL() = %q", b.URL())
	}
}

// The file backend stores keys as paths: "a" and "a/b" cannot both exist. Both orders
// fail with an error that says why, and leave the stored object alone.
func TestFileKeyPathConflicts(t *testing.T) {
	b := newFile(t, t.TempDir())
	ctx := t.Context()
	blob.PutBytes(ctx, b, "obj", []byte("1"), blob.PutOptions{})
	blob.PutBytes(ctx, b, "dir/x", []byte("2"), blob.PutOptions{})
	for _, tc := range []struct{ key, want string }{
		{"obj/under", "a parent of the key is an object"},
		{"dir", "the key is a folder of other objects"},
	} {
		_, err := blob.PutBytes(ctx, b, tc.key, []byte("x"), blob.PutOptions{})
		if err == nil || !strings.Contains(err.Error(), tc.want) || errors.Is(err, blob.ErrNotFound) {
			t.Errorf("put %s: err = %v, want %q", tc.key, err, tc.want)
		}
	}
	if ls, err := b.List(ctx, ""); err != nil || len(ls) != 2 {
		t.Errorf("list after refused puts = %v, %v", ls, err)
	}
}
