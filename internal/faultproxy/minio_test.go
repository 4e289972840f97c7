package faultproxy_test

import (
	"os"

	"github.com/recpipe/recpipe/internal/miniotest"
)

// testingMinIO reports whether a shared MinIO is configured (or required, so that
// miniotest.Shared fails loudly instead of the MinIO cases vanishing).
func testingMinIO() bool {
	return os.Getenv(miniotest.EnvEndpoint) != "" || os.Getenv(miniotest.EnvRequire) == "1"
}
