package layout

import (
	"context"
	"fmt"

	"github.com/recpipe/recpipe/internal/blob"
)

// Lister is the part of a bucket that listing needs (blob.Bucket has it).
type Lister interface {
	List(ctx context.Context, prefix string) ([]blob.Attrs, error)
}

// DayObject is one day's object of a kind, with its attributes.
type DayObject struct {
	Day Day
	blob.Attrs
}

// dayPrefix is the listing prefix of the day folders of a day kind.
func dayPrefix(kind Kind) (string, bool) {
	for p, names := range dayNames {
		for _, k := range names {
			if k == kind {
				return p + dayFolder, true
			}
		}
	}
	return "", false
}

// ListDays returns the objects of a day kind (e.g. KindETLManifest) that exist, in day
// order. Other keys under the same folders are left out.
func ListDays(ctx context.Context, b Lister, kind Kind) ([]DayObject, error) {
	prefix, ok := dayPrefix(kind)
	if !ok {
		return nil, fmt.Errorf("list days of %s: not a day kind", kind)
	}
	attrs, err := b.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", prefix, err)
	}
	var out []DayObject
	for _, a := range attrs {
		if k, err := Parse(a.Key); err == nil && k.Kind == kind {
			out = append(out, DayObject{Day: k.Day, Attrs: a})
		}
	}
	return out, nil // two-digit days: key order is day order
}

// days lists the days that have an object of kind.
func days(ctx context.Context, b Lister, kind Kind) ([]Day, error) {
	objs, err := ListDays(ctx, b, kind)
	if err != nil {
		return nil, err
	}
	out := make([]Day, len(objs))
	for i, o := range objs {
		out[i] = o.Day
	}
	return out, nil
}

// ReleasedDays lists the days whose etl marker (etl/day=NN/_manifest.json) exists.
func ReleasedDays(ctx context.Context, b Lister) ([]Day, error) { return days(ctx, b, KindETLManifest) }

// CheckedDays lists the days whose quality report (quality/day=NN/report.json) exists,
// whatever its verdict.
func CheckedDays(ctx context.Context, b Lister) ([]Day, error) {
	return days(ctx, b, KindQualityReport)
}

// EvaluatedDays lists the days whose A/B result (abtest/day=NN/result.json) exists.
func EvaluatedDays(ctx context.Context, b Lister) ([]Day, error) { return days(ctx, b, KindABResult) }
