// Package leaktest holds no code, only a test: it builds every binary of the pipeline
// from the tree, runs them with planted secrets in the environment and in bucket
// URLs (on a temporary file bucket and, under scripts/with-minio.sh, on MinIO), and
// greps every output channel (stdout, stderr, run records, results, fetched files)
// for the secrets.
package leaktest
