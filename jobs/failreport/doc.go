// Package failreport turns a failed pipeline job into exactly one open GitHub issue per
// failure kind.
//
// A Report names the failed function, an error kind, the error text, the CI run and the
// run record in the bucket. Its fingerprint, function + "/" + kind, is written into the
// issue body as an HTML comment (<!-- fingerprint: etl-daily/etl-day-failed -->). The
// Reporter lists the repository's OPEN issues carrying the label (pull requests are
// skipped, every page is read, oldest first) and comments on the first whose body carries
// the fingerprint; when none does, it opens a new issue. Closing the issue therefore
// means "fixed": the next failure of that kind opens a fresh one.
//
// The GitHub token comes from the environment (GITHUB_TOKEN) and is only ever placed in
// the Authorization header; it and other secrets handed to the Reporter are redacted
// from every text the package writes. Transient API errors (5xx, secondary rate limits,
// connection errors) are retried with a bounded exponential backoff; every other error
// is returned.
package failreport
