// Command prepare splits a MovieLens release by time into train, validation and test
// and writes prepared/<ds>/ to the bucket (see etl.Prepare and docs/design.md §Bucket layout, §Data protocol).
//
//	prepare                                 # the shipped ml-latest-small into $BUCKET_URL or file://./data
//	prepare --dataset ml-25m                # download, verify its published MD5, prepare
//	prepare --source ~/ml-1m.zip            # a local zip or folder (CSV or .dat)
//	prepare --synthetic-rows 32000000       # a synthetic synthetic-32000000, for benchmarks
//	prepare --json                          # print the manifest instead of the summary
//
// It prints a short summary of prepared/<ds>/_manifest.json. A rerun on the same
// source writes nothing. Exit status: 0 on success, 2 for bad flags, 1 otherwise.
package main
