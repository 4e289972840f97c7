package jobs

import (
	"strings"

	"github.com/recpipe/recpipe/internal/layout"
)

// Function names that the routing table leads to.
const (
	QualityCheck = "quality-check"
	ABEval       = "ab-eval"
	Retrain      = "retrain"
)

// CreatedEvents is the S3 / MinIO event filter every route listens to.
const CreatedEvents = "s3:ObjectCreated:*"

// Route sends the object-created events of the keys of one kind of the bucket layout
// to a function.
//
// Prefix and Suffix are what S3 and MinIO notification filters can express (plain
// ASCII, nothing that needs URL-encoding, and no two routes overlap): the kind's
// layout.Kind.Filter. layout.Parse is the precise rule, checked on every delivery.
// Infra generators (MinIO setup, the AWS template) read Routes; nothing else lists
// which key starts which function.
type Route struct {
	Name     string      // short stable id, e.g. for an S3 notification configuration id
	Function string      // function to run
	Kind     layout.Kind // the keys it matches
	Prefix   string      // notification filter: key prefix
	Suffix   string      // notification filter: key suffix
	Doc      string      // what the key means
}

// route is the route of kind's keys to function, with the kind's notification filter.
func route(name, function string, kind layout.Kind, doc string) Route {
	prefix, suffix := kind.Filter()
	return Route{Name: name, Function: function, Kind: kind, Prefix: prefix, Suffix: suffix, Doc: doc}
}

// Routes is the routing table, in the order infra files list it. Keys are relative to
// the bucket's prefix. The markers named here are written last by their stage
// (docs/design.md §Bucket layout).
var Routes = []Route{
	route("etl-manifest", QualityCheck, layout.KindETLManifest, "a released day's batch is complete"),
	route("quality-report", ABEval, layout.KindQualityReport, "a day's quality report is written (ab-eval scores it only when it passed)"),
	route("ab-result", Retrain, layout.KindABResult, "a day was scored, so it passed its gate: the retrain step writes every refreshable model's version of the end of that day"),
	route("model-champion", ABEval, layout.KindChampion, "a model's champion run changed"),
	route("model-version", ABEval, layout.KindModelVersion, "a deployed model version is written by the retrain step (ab-eval scores the next day with it)"),
}

// Match returns the routes that key leads to, in table order.
func Match(key string) []Route {
	k, err := layout.Parse(key)
	if err != nil {
		return nil
	}
	return MatchKey(k)
}

// MatchKey returns the routes of a parsed key, in table order.
func MatchKey(k layout.Key) []Route {
	var out []Route
	for _, r := range Routes {
		if r.Kind == k.Kind && k.Kind != layout.KindUnknown {
			out = append(out, r)
		}
	}
	return out
}

// Matches reports whether key passes the route's filters and is of its kind.
func (r Route) Matches(key string) bool {
	return strings.HasPrefix(key, r.Prefix) && strings.HasSuffix(key, r.Suffix) && layout.IsKind(key, r.Kind)
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
