// Package miniotest gives tests a real MinIO server: the shared one that
// scripts/with-minio.sh starts (RECPIPE_TEST_S3_ENDPOINT and the AWS_* credentials),
// or a dedicated one started with extra environment (Start), e.g. to configure
// webhook notifications. Tests skip when no server is configured, unless
// RECPIPE_REQUIRE_MINIO=1, when they fail.
package miniotest
