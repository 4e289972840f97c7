package failreport

import (
	"fmt"
	"io"
	"strings"
)

// WriteText prints the outcome for a person: what was (or would be) done, then the body.
func (o Outcome) WriteText(w io.Writer) error {
	var b strings.Builder
	switch o.Action {
	case WouldCreate:
		fmt.Fprintf(&b, "dry run: no open issue carries %s in %s; would open one\n", o.Fingerprint, o.Repo)
	case WouldComment:
		fmt.Fprintf(&b, "dry run: would comment on issue #%d (%s) in %s\n", o.Number, o.URL, o.Repo)
	case WouldCreateOrComment:
		fmt.Fprintf(&b, "dry run without GITHUB_TOKEN: lookup skipped; would comment on the open issue carrying %s in %s, or else open this one\n", o.Fingerprint, o.Repo)
	default:
		fmt.Fprintf(&b, "%s issue #%d: %s\n", o.Action, o.Number, o.URL)
	}
	if o.Title != "" {
		fmt.Fprintf(&b, "title: %s\nlabels: %s\n", o.Title, strings.Join(o.Labels, ", "))
	}
	fmt.Fprintf(&b, "fingerprint: %s\n--- body ---\n%s", o.Fingerprint, o.Body)
	_, err := io.WriteString(w, b.String())
	return err
}
