package blob

import (
	"fmt"
	"strings"
)

// ValidateKey reports whether key is a usable object key: non-empty, relative,
// slash-separated, without "." or ".." segments, empty segments, backslashes or NUL.
func ValidateKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty key", ErrInvalidKey)
	case strings.HasPrefix(key, "/"):
		return fmt.Errorf("%w: %q is absolute", ErrInvalidKey, key)
	case strings.ContainsAny(key, "\\\x00"):
		return fmt.Errorf("%w: %q contains a backslash or NUL", ErrInvalidKey, key)
	}
	for _, seg := range strings.Split(key, "/") {
		switch seg {
		case "..":
			return fmt.Errorf("%w: %q escapes the bucket root", ErrInvalidKey, key)
		case ".", "":
			return fmt.Errorf("%w: %q has an empty or '.' segment", ErrInvalidKey, key)
		}
	}
	return nil
}
