package failreport

import (
	"context"
	"fmt"
	"strings"

	"github.com/recpipe/recpipe/internal/blob"
)

// LatestFailedRun returns the key of the newest run record under prefix (for example
// "runs/etl-day/") whose status is "failed", by the object's modification time (ties:
// the greater key). It reads only the run-record/v1 fields every record has.
func LatestFailedRun(ctx context.Context, b blob.Bucket, prefix string) (string, error) {
	objs, err := b.List(ctx, prefix)
	if err != nil {
		return "", fmt.Errorf("list run records under %s: %w", prefix, err)
	}
	var best blob.Attrs
	for _, o := range objs {
		if !strings.HasSuffix(o.Key, ".json") {
			continue
		}
		var rec struct {
			Status string `json:"status"`
		}
		if err := blob.ReadJSON(ctx, b, o.Key, &rec); err != nil {
			return "", fmt.Errorf("run record: %w", err)
		}
		if rec.Status != "failed" {
			continue
		}
		if best.Key == "" || o.ModTime.After(best.ModTime) || (o.ModTime.Equal(best.ModTime) && o.Key > best.Key) {
			best = o
		}
	}
	if best.Key == "" {
		return "", fmt.Errorf("%w under %s in %s", ErrNoRunRecord, prefix, b.URL())
	}
	return best.Key, nil
}
