package failreport

import (
	"errors"
	"fmt"
	"regexp"
)

// DefaultLabel is the label every failure issue carries.
const DefaultLabel = "pipeline-failure"

// Sentinel errors, tested with errors.Is.
var (
	// ErrInvalidReport: a required field is missing or not a plain name.
	ErrInvalidReport = errors.New("invalid failure report")
	// ErrNoRunRecord: no failed run record was found under the given prefix.
	ErrNoRunRecord = errors.New("no failed run record")
	// ErrNoToken: a real (not dry) run was asked for without GITHUB_TOKEN.
	ErrNoToken = errors.New("GITHUB_TOKEN is not set")
)

// namePattern keeps fingerprints exact and the HTML comment unbreakable.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Report describes one failed job.
type Report struct {
	Function  string // the failed function or workflow, e.g. "etl-daily"
	Kind      string // the error kind, e.g. "etl-day-failed" or "exit-3"
	Error     string // the error text (a log tail); may be empty
	RunURL    string // the CI run, e.g. https://github.com/o/r/actions/runs/1
	RunRecord string // the run record key in the bucket (or the prefix searched)
	Bucket    string // the bucket URL the run record lives in (never with credentials)
}

// Validate checks the fields that make the fingerprint.
func (r Report) Validate() error {
	if !namePattern.MatchString(r.Function) {
		return fmt.Errorf("%w: function %q must match %s", ErrInvalidReport, r.Function, namePattern)
	}
	if !namePattern.MatchString(r.Kind) {
		return fmt.Errorf("%w: kind %q must match %s", ErrInvalidReport, r.Kind, namePattern)
	}
	return nil
}

// Fingerprint is function + "/" + kind: one open issue per fingerprint.
func (r Report) Fingerprint() string { return r.Function + "/" + r.Kind }

// Marker is the HTML comment that carries the fingerprint in an issue body.
func (r Report) Marker() string { return "<!-- fingerprint: " + r.Fingerprint() + " -->" }

// Title is the title of a new issue.
func (r Report) Title() string { return fmt.Sprintf("[pipeline] %s failed: %s", r.Function, r.Kind) }
