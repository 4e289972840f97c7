// Package fetchresults copies a bucket's result documents (the etl/, quality/ and
// abtest/ JSON, and the A/B report page) into a local folder under their keys, for
// `pipeline fetch-results` and the workflows' artifacts. A rerun rewrites no file that
// already holds the same bytes.
package fetchresults
