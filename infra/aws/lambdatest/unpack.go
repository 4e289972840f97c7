package lambdatest

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// fileState is one file of the task folder as unpacked.
type fileState struct {
	Path   string // relative, slash-separated
	Mode   fs.FileMode
	Size   int64
	SHA256 string
}

// Unpack extracts the deployment zip into dir as Lambda lays out /var/task: files
// keep the zip's permission bits without write permission, folders are read-only,
// and the bootstrap must be an executable file at the top. It returns the files'
// state, for TaskChanges.
func Unpack(zipPath, dir string) ([]fileState, error) {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return nil, fmt.Errorf("unpack: %w", err)
	}
	defer zr.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var dirs []string
	for _, f := range zr.File {
		name := filepath.FromSlash(f.Name)
		if !filepath.IsLocal(name) {
			return nil, fmt.Errorf("unpack %s: unsafe name %q", zipPath, f.Name)
		}
		dst := filepath.Join(dir, name)
		if f.FileInfo().IsDir() {
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return nil, err
			}
			dirs = append(dirs, dst)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, err
		}
		if err := extract(f, dst); err != nil {
			return nil, fmt.Errorf("unpack %s: %s: %w", zipPath, f.Name, err)
		}
	}
	st, err := os.Stat(filepath.Join(dir, "bootstrap"))
	if err != nil || !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
		return nil, fmt.Errorf("unpack %s: no executable bootstrap at the top (Lambda's provided.al2023 runs ./bootstrap)", zipPath)
	}
	snap, err := snapshot(dir)
	if err != nil {
		return nil, err
	}
	// Folders read-only last, deepest first.
	dirs = append(dirs, dir)
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && !slices.Contains(dirs, p) {
			dirs = append(dirs, p)
		}
		return nil
	})
	slices.SortFunc(dirs, func(a, b string) int { return len(b) - len(a) })
	for _, d := range dirs {
		if err := os.Chmod(d, 0o555); err != nil {
			return nil, err
		}
	}
	return snap, nil
}

func extract(f *zip.File, dst string) error {
	r, err := f.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	perm := f.Mode().Perm() &^ 0o222
	if perm == 0 {
		perm = 0o444
	}
	w, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return os.Chmod(dst, perm) // whatever the umask took off
}

func snapshot(dir string) ([]fileState, error) {
	var out []fileState
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		s := fileState{Path: filepath.ToSlash(rel), Mode: info.Mode(), Size: info.Size()}
		if info.Mode().IsRegular() {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			h := sha256.New()
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				return err
			}
			s.SHA256 = hex.EncodeToString(h.Sum(nil))
		}
		if d.IsDir() {
			s.Mode = fs.ModeDir // folders' permissions change to read-only after the snapshot
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

// TaskChanges compares the task folder with its state when unpacked and lists what
// differs (nothing, when the function only read it).
func (e *Emulator) TaskChanges() ([]string, error) {
	now, err := snapshot(e.task)
	if err != nil {
		return nil, err
	}
	before := map[string]fileState{}
	for _, s := range e.snapshot {
		before[s.Path] = s
	}
	var diff []string
	for _, s := range now {
		b, ok := before[s.Path]
		switch {
		case !ok:
			diff = append(diff, "created "+s.Path)
		case b != s:
			diff = append(diff, "changed "+s.Path)
		}
		delete(before, s.Path)
	}
	for p := range before {
		diff = append(diff, "removed "+p)
	}
	slices.Sort(diff)
	return diff, nil
}

// TmpFiles lists what the function left in its /tmp.
func (e *Emulator) TmpFiles() ([]string, error) {
	var out []string
	err := filepath.WalkDir(e.tmp, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == e.tmp {
			return err
		}
		rel, _ := filepath.Rel(e.tmp, p)
		out = append(out, strings.TrimPrefix(filepath.ToSlash(rel), "./"))
		return nil
	})
	return out, err
}
