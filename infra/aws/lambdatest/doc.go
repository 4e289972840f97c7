// Package lambdatest runs the Lambda deployment zips of `make lambda` for real: each
// zip is unpacked the way Lambda unpacks it (a read-only task folder holding an
// executable bootstrap), and the bootstrap is started by the AWS Lambda Runtime
// Interface Emulator (the runtime API AWS ships for local testing; scripts/lambda-rie.sh
// installs the pinned version) with the environment infra/aws/template.yaml gives the
// function, its timeout and memory size, and a private folder as its only writable
// disk (TMPDIR, Lambda's /tmp). Invocations go over the emulator's HTTP API with S3
// notification bodies in the shape AWS sends (S3Event).
//
// Where strace is installed, the bootstrap runs under it and every call that could
// change a file is checked to stay inside the private /tmp (Audit); the task folder is
// also checked to be unchanged.
//
// The tests of this package run both functions against the MinIO of
// scripts/with-minio.sh and compare them with the command-line binaries of `make build`;
// `make lambda-test` runs them:
//
//	RECPIPE_LAMBDA_DIST  folder of <function>.zip (make lambda)
//	RECPIPE_LAMBDA_BIN   folder of the command-line binaries (make build)
//	RECPIPE_LAMBDA_RIE   the emulator binary (scripts/lambda-rie.sh)
//
// Without them the tests skip, unless RECPIPE_REQUIRE_LAMBDA=1, when they fail.
package lambdatest
