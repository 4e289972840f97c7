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
	if _, ok := dayPrefix(kind); !ok {
		return nil, fmt.Errorf("list days of %s: not a day kind", kind)
	}
	objs, err := ListKind(ctx, b, kind)
	if err != nil {
		return nil, err
	}
	out := make([]DayObject, len(objs))
	for i, o := range objs {
		out[i] = DayObject{Day: o.Parsed.Day, Attrs: o.Attrs}
	}
	return out, nil // two-digit days: key order is day order
}

// Object is an object of the layout, with its parsed key and its attributes.
type Object struct {
	Parsed Key
	blob.Attrs
}

// ListKind returns the objects of kind that exist, in key order (e.g. every
// KindChampion, or every KindRunRecord). Other keys under the same prefix are left out.
func ListKind(ctx context.Context, b Lister, kind Kind) ([]Object, error) {
	prefix, ok := dayPrefix(kind)
	if !ok {
		prefix, _ = kind.Filter()
	}
	if prefix == "" {
		return nil, fmt.Errorf("list %s: not a kind of the layout", kind)
	}
	attrs, err := b.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", prefix, err)
	}
	var out []Object
	for _, a := range attrs {
		if k, err := Parse(a.Key); err == nil && k.Kind == kind {
			out = append(out, Object{Parsed: k, Attrs: a})
		}
	}
	return out, nil
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
