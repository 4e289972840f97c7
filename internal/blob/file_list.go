package blob

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
)

// List returns the objects under prefix, sorted by key. Temporary files, folders and
// anything that is not a regular file are not objects.
func (f *File) List(ctx context.Context, prefix string) ([]Attrs, error) {
	start := "."
	if i := strings.LastIndex(prefix, "/"); i > 0 {
		start = prefix[:i]
		if _, err := fileKey(start); err != nil {
			return nil, nil // no object key can have this prefix
		}
	}
	var out []Attrs
	err := fs.WalkDir(f.root.FS(), start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == start && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), reservedPrefix) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p != "." && !strings.HasPrefix(p+"/", prefix) && !strings.HasPrefix(prefix, p+"/") {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasPrefix(p, prefix) {
			return nil
		}
		a, err := f.statPath(p)
		if errors.Is(err, ErrNotFound) {
			return nil // deleted while listing
		}
		if err != nil {
			return err
		}
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %q in %s: %w", prefix, f.url, err)
	}
	sortAttrs(out)
	return out, nil
}

func (f *File) statPath(key string) (Attrs, error) {
	fh, fi, err := f.openRegular("stat", key)
	if err != nil {
		return Attrs{}, err
	}
	defer fh.Close()
	return f.attrs(key, fh, fi)
}

func (f *File) Delete(ctx context.Context, key string) error {
	p, err := fileKey(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	fi, err := f.root.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) || isNotDir(err) {
		return nil
	}
	if err != nil {
		return fsErr("delete", key, err)
	}
	if fi.IsDir() {
		return nil // a folder is not an object
	}
	if err := f.root.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fsErr("delete", key, err)
	}
	f.pruneDirs(path.Dir(key))
	return nil
}

// pruneDirs removes the now-empty folders above a deleted object, as S3 has none.
func (f *File) pruneDirs(dir string) {
	for dir != "." && dir != "/" && dir != "" {
		if err := f.root.Remove(filepath.FromSlash(dir)); err != nil {
			return // not empty, or gone: either way stop
		}
		dir = path.Dir(dir)
	}
}
