// Package releasetest writes prepared datasets into a bucket for the tests and
// benchmarks of the daily feed (etl-day) and its quality gate: small hand-made ones,
// deterministic synthetic ones of any size, and corrupted ones. The objects and the
// manifest have the layout prepare writes (etl.Prepared); the data is never used in
// place of a real dataset.
package releasetest
