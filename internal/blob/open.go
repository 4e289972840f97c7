package blob

import (
	"context"
	"fmt"
	"strings"
)

// Open returns the bucket named by url (see the package doc for the forms).
func Open(ctx context.Context, url string) (Bucket, error) {
	switch {
	case strings.HasPrefix(url, "mem://"):
		return NewMem(), nil
	default:
		return nil, fmt.Errorf("open bucket %q: unsupported URL", url)
	}
}
