package abtest

// User segments: every metric and verdict is given for all users and, apart, for the
// users with no rating before the cutoff (no row in train or validation: a model frozen
// at the cutoff knows nothing of them) and for the returning users. A user's segment is
// fixed for the whole feed.
const (
	SegmentAll       = "all"
	SegmentNew       = "new_users"
	SegmentReturning = "returning_users"
)

// Segments lists the segments in report order.
var Segments = []string{SegmentAll, SegmentNew, SegmentReturning}

// userSegments are the two disjoint segments a user belongs to, indexed by segNew and
// segReturning.
var userSegments = []string{SegmentNew, SegmentReturning}

const (
	segNew       = 0
	segReturning = 1
)

// inSegment reports whether a user (returning or not) belongs to segment.
func inSegment(segment string, returning bool) bool {
	switch segment {
	case SegmentNew:
		return !returning
	case SegmentReturning:
		return returning
	}
	return true
}

// Segment returns the units of the users in segment.
func (u *Units) Segment(segment string) *Units {
	if segment == SegmentAll {
		return u
	}
	return u.Subset(func(i int) bool { return inSegment(segment, u.Returning[i]) })
}
