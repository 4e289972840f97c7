// Package demo runs the pipeline's whole life on one bucket, in one process, with the
// stage code of the binaries: prepare.Run, traingpu.Run (each model trained and
// promoted) and etlday.Run for every day, each inside a run record as its binary
// would write it (trigger "in-process"). It never calls quality-check or ab-eval: the
// bucket is opened through jobs.EmbeddedWorkers with a dispatcher hosting them, so each
// day's manifest commit runs quality-check and each report runs ab-eval, as object
// events would on MinIO or S3. At the end every routed object is delivered once more
// (duplicates must run nothing). A second run writes nothing but its run records.
package demo
