package blob

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/recpipe/recpipe/internal/redact"
)

// reservedPrefix starts the names of the file backend's temporary files. Keys with a
// segment that starts with it are refused, so a temp file is never mistaken for an object.
const reservedPrefix = ".recpipe-"

// File is a bucket in a local folder. Every operation goes through an os.Root, so no
// key — and no symlink inside the folder — can reach a file outside it.
type File struct {
	url  string
	dir  string
	root *os.Root
}

// NewFile opens (creating it when missing) the folder dir as a bucket; url is what URL returns.
func NewFile(dir, url string) (*File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open file bucket %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open file bucket %s: %w", dir, err)
	}
	return &File{url: url, dir: dir, root: root}, nil
}

// fileKey validates key for the file backend and returns its path relative to the root.
func fileKey(key string) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	for _, seg := range strings.Split(key, "/") {
		if strings.HasPrefix(seg, reservedPrefix) {
			return "", fmt.Errorf("%w: %q uses the reserved name prefix %q", ErrInvalidKey, key, reservedPrefix)
		}
	}
	return filepath.FromSlash(key), nil
}

func (f *File) openRegular(op, key string) (*os.File, fs.FileInfo, error) {
	p, err := fileKey(key)
	if err != nil {
		return nil, nil, err
	}
	fh, err := f.root.Open(p)
	if err != nil {
		return nil, nil, fsErr(op, key, err)
	}
	fi, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, nil, fsErr(op, key, err)
	}
	if !fi.Mode().IsRegular() {
		fh.Close()
		return nil, nil, fmt.Errorf("%s %s: %w", op, key, ErrNotFound)
	}
	return fh, fi, nil
}

func (f *File) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fh, _, err := f.openRegular("get", key)
	return fh, err
}

// GetRange opens bytes [off, off+n) of key; n < 0 reads to the end.
func (f *File) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if off < 0 {
		return nil, fmt.Errorf("get %s: negative range offset %d", key, off)
	}
	fh, fi, err := f.openRegular("get", key)
	if err != nil {
		return nil, err
	}
	if off > fi.Size() {
		fh.Close()
		return nil, fmt.Errorf("get %s: range offset %d beyond size %d", key, off, fi.Size())
	}
	if n < 0 {
		n = fi.Size() - off
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(fh, off, n), fh}, nil
}

func (f *File) Stat(ctx context.Context, key string) (Attrs, error) {
	if err := ctx.Err(); err != nil {
		return Attrs{}, err
	}
	fh, fi, err := f.openRegular("stat", key)
	if err != nil {
		return Attrs{}, err
	}
	defer fh.Close()
	return f.attrs(key, fh, fi)
}

// attrs builds the attributes of an open object, taking the ETag from its extended
// attribute when it is current and hashing the content otherwise.
func (f *File) attrs(key string, fh *os.File, fi fs.FileInfo) (Attrs, error) {
	a := Attrs{Key: key, Size: fi.Size(), ModTime: fi.ModTime().UTC()}
	if etag, ok := readETag(fh, fi); ok {
		a.ETag = etag
		return a, nil
	}
	h := md5.New()
	if _, err := io.Copy(h, io.NewSectionReader(fh, 0, fi.Size())); err != nil {
		return Attrs{}, fmt.Errorf("stat %s: hash: %w", key, err)
	}
	a.ETag = hex.EncodeToString(h.Sum(nil))
	return a, nil
}

func (f *File) Put(ctx context.Context, key string, r io.Reader, opts PutOptions) (Attrs, error) {
	p, err := fileKey(key)
	if err != nil {
		return Attrs{}, err
	}
	if err := ctx.Err(); err != nil {
		return Attrs{}, err
	}
	dir := filepath.Dir(p)
	tmp, a, err := f.writeTemp(ctx, key, dir, r)
	if err != nil {
		return Attrs{}, err
	}
	defer f.root.Remove(tmp) // a no-op after a rename; after a link it drops the second name
	if opts.IfAbsent {
		err = f.root.Link(tmp, p)
		if errors.Is(err, fs.ErrExist) {
			return Attrs{}, fmt.Errorf("put %s: %w", key, ErrExists)
		}
	} else {
		err = f.root.Rename(tmp, p)
	}
	if err != nil {
		return Attrs{}, putErr(key, err, true)
	}
	if err := f.syncDir(dir); err != nil {
		return Attrs{}, fmt.Errorf("put %s: sync folder: %w", key, err)
	}
	return a, nil
}

// writeTemp copies r into a new temporary file next to the object, fsyncs it, records the
// ETag on it and returns its root-relative path and the object's attributes.
func (f *File) writeTemp(ctx context.Context, key, dir string, r io.Reader) (string, Attrs, error) {
	var rnd [8]byte
	rand.Read(rnd[:])
	tmp := filepath.Join(dir, reservedPrefix+"tmp-"+hex.EncodeToString(rnd[:]))
	var fh *os.File
	var err error
	// A concurrent Delete may prune the (empty) folder between MkdirAll and the create.
	for range 3 {
		if err = f.root.MkdirAll(dir, 0o755); err != nil {
			return "", Attrs{}, putErr(key, err, false)
		}
		fh, err = f.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	if err != nil {
		return "", Attrs{}, putErr(key, err, false)
	}
	fail := func(err error) (string, Attrs, error) {
		fh.Close()
		f.root.Remove(tmp)
		return "", Attrs{}, fmt.Errorf("put %s: %w", key, err)
	}
	h := md5.New()
	if _, err := io.Copy(io.MultiWriter(fh, h), ctxReader{ctx, r}); err != nil {
		return fail(err)
	}
	if err := fh.Sync(); err != nil {
		return fail(err)
	}
	fi, err := fh.Stat()
	if err != nil {
		return fail(err)
	}
	etag := hex.EncodeToString(h.Sum(nil))
	writeETag(fh, fi, etag) // best effort: without it Stat hashes the content
	if err := fh.Close(); err != nil {
		f.root.Remove(tmp)
		return "", Attrs{}, fmt.Errorf("put %s: %w", key, err)
	}
	return tmp, Attrs{Key: key, Size: fi.Size(), ETag: etag, ModTime: fi.ModTime().UTC()}, nil
}

func (f *File) syncDir(dir string) error {
	d, err := f.root.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

func (f *File) URL() string  { return redact.URL(f.url) }
func (f *File) Close() error { return f.root.Close() }

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
