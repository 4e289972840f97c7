package jobs

import (
	"regexp"
	"strings"
)

// Function names that the routing table leads to.
const (
	QualityCheck = "quality-check"
	ABEval       = "ab-eval"
)

// CreatedEvents is the S3 / MinIO event filter every route listens to.
const CreatedEvents = "s3:ObjectCreated:*"

// Route sends the object-created events of matching keys to a function.
//
// Prefix and Suffix are what S3 and MinIO notification filters can express (plain
// ASCII, nothing that needs URL-encoding, and no two routes overlap); Pattern is the
// precise rule, checked on every delivery. Infra generators (MinIO setup, the AWS
// template) read Routes; nothing else lists which key starts which function.
type Route struct {
	Name     string         // short stable id, e.g. for an S3 notification configuration id
	Function string         // function to run
	Prefix   string         // notification filter: key prefix
	Suffix   string         // notification filter: key suffix
	Pattern  *regexp.Regexp // exact keys; named groups are the key's fields (see Fields)
	Doc      string         // what the key means
}

// Routes is the routing table, in the order infra files list it. Keys are relative to
// the bucket's prefix. The markers named here are written last by their stage (DESIGN §2).
var Routes = []Route{
	{
		Name:     "etl-manifest",
		Function: QualityCheck,
		Prefix:   "etl/",
		Suffix:   "/_manifest.json",
		Pattern:  regexp.MustCompile(`^etl/day=(?P<day>[0-9]{2})/_manifest\.json$`),
		Doc:      "a released day's batch is complete",
	},
	{
		Name:     "quality-report",
		Function: ABEval,
		Prefix:   "quality/",
		Suffix:   "/report.json",
		Pattern:  regexp.MustCompile(`^quality/day=(?P<day>[0-9]{2})/report\.json$`),
		Doc:      "a day's quality report is written (ab-eval scores it only when it passed)",
	},
	{
		Name:     "model-champion",
		Function: ABEval,
		Prefix:   "models/",
		Suffix:   "/champion.json",
		Pattern:  regexp.MustCompile(`^models/(?P<model>[a-z0-9][a-z0-9_-]*)/champion\.json$`),
		Doc:      "a model's champion run changed",
	},
}

// Match returns the routes whose pattern matches key, in table order.
func Match(key string) []Route {
	var out []Route
	for _, r := range Routes {
		if r.Matches(key) {
			out = append(out, r)
		}
	}
	return out
}

// Matches reports whether key passes the route's filters and its pattern.
func (r Route) Matches(key string) bool {
	return strings.HasPrefix(key, r.Prefix) && strings.HasSuffix(key, r.Suffix) && r.Pattern.MatchString(key)
}

// Fields returns the named groups of the route's pattern for key (e.g. "day": "03"),
// or nil when key does not match.
func (r Route) Fields(key string) map[string]string {
	if !r.Matches(key) {
		return nil
	}
	m := r.Pattern.FindStringSubmatch(key)
	out := map[string]string{}
	for i, name := range r.Pattern.SubexpNames() {
		if name != "" {
			out[name] = m[i]
		}
	}
	return out
}

// Functions lists the distinct functions the table leads to, in table order.
func Functions() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range Routes {
		if !seen[r.Function] {
			seen[r.Function] = true
			out = append(out, r.Function)
		}
	}
	return out
}
