package prepare

import (
	"fmt"
	"io"
	"strconv"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/layout"
)

// WriteSummary writes a short account of the prepared manifest.
func WriteSummary(w io.Writer, res *etl.PrepareResult) {
	m := res.Manifest
	state := fmt.Sprintf("wrote %d objects", len(res.Written))
	if res.Skipped {
		state = "already prepared, nothing written"
	}
	kind := ""
	if m.Synthetic {
		kind = " (SYNTHETIC)"
	}
	fmt.Fprintf(w, "%s%s: %s ratings from %s (sha256 %.12s), %s\n", m.Dataset, kind, group(m.Ratings), m.Source.Name, m.Source.SHA256, state)
	for _, s := range []struct {
		name string
		st   etl.SplitStats
	}{{"train", m.Splits.Train}, {"val", m.Splits.Val}, {"test", m.Splits.Test}} {
		fmt.Fprintf(w, "  %-5s %11s rows %8s users %7s items  %d..%d  %s\n", s.name, group(s.st.Rows), group(s.st.Users), group(s.st.Items), s.st.MinTime, s.st.MaxTime, s.st.Key)
	}
	c := m.ColdStart
	fmt.Fprintf(w, "  test cutoff %d (%d earlier rows share its second); test rows of users unseen in train %s (%.1f%%), of items unseen %s\n",
		m.TestCutoff, m.BoundaryTies, group(c.TestRowsUserUnseen), 100*float64(c.TestRowsUserUnseen)/float64(max(1, m.Splits.Test.Rows)), group(c.TestRowsItemUnseen))
	fmt.Fprintf(w, "  manifest %s\n", layout.PreparedManifest(m.Dataset))
}

// group writes n with thousands separators.
func group(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
