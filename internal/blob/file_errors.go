package blob

import (
	"errors"
	"fmt"
	"io/fs"
)

// fsErr maps an error of an os.Root operation on key to the package's sentinels.
func fsErr(op, key string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist), isNotDir(err):
		return fmt.Errorf("%s %s: %w", op, key, ErrNotFound)
	case isRootEscape(err):
		return fmt.Errorf("%s %s: %w: resolves outside the bucket root (symlink)", op, key, ErrInvalidKey)
	}
	return fmt.Errorf("%s %s: %w", op, key, err)
}

// isRootEscape reports the error os.Root returns when a path (through a symlink) leaves
// the root. The os package does not export it, so it is recognised by its text.
func isRootEscape(err error) bool {
	for ; err != nil; err = errors.Unwrap(err) {
		if err.Error() == "path escapes from parent" {
			return true
		}
	}
	return false
}

// putErr explains a failed write: the file backend stores keys as paths, so an object
// cannot sit where another key needs a folder (placing: the rename or link), nor a folder
// where a key needs a file (creating the folders).
func putErr(key string, err error, placing bool) error {
	conflict := isNotDir(err) || isIsDir(err) || errors.Is(err, fs.ErrExist)
	switch {
	case isRootEscape(err):
		return fsErr("put", key, err)
	case conflict && placing:
		return fmt.Errorf("put %s: the key is a folder of other objects (the file backend stores keys as paths): %w", key, err)
	case conflict:
		return fmt.Errorf("put %s: a parent of the key is an object (the file backend stores keys as paths): %w", key, err)
	}
	return fmt.Errorf("put %s: %w", key, err)
}
