package miniotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/recpipe/recpipe/internal/blob"
)

// Environment variables read by this package (set by scripts/with-minio.sh).
const (
	EnvEndpoint = "RECPIPE_TEST_S3_ENDPOINT"
	EnvRequire  = "RECPIPE_REQUIRE_MINIO"
	EnvBin      = "RECPIPE_MINIO_BIN"
)

// Server is a running MinIO and the root credentials to use it.
type Server struct {
	Endpoint  string // http://127.0.0.1:PORT
	AccessKey string
	SecretKey string
	Region    string
	// DataDir is the server's data folder (empty for the shared server).
	DataDir string
}

// unavailable skips the test, or fails it when MinIO is required.
func unavailable(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(EnvRequire) == "1" {
		t.Fatalf("MinIO required (%s=1) but %s", EnvRequire, why)
	}
	t.Skipf("no MinIO: %s (run under scripts/with-minio.sh)", why)
}

// Shared returns the server scripts/with-minio.sh started, skipping the test when there is none.
func Shared(t testing.TB) *Server {
	t.Helper()
	ep := os.Getenv(EnvEndpoint)
	if ep == "" {
		unavailable(t, EnvEndpoint+" is not set")
	}
	s := &Server{
		Endpoint:  ep,
		AccessKey: os.Getenv("AWS_ACCESS_KEY_ID"),
		SecretKey: os.Getenv("AWS_SECRET_ACCESS_KEY"),
		Region:    os.Getenv("AWS_REGION"),
	}
	if s.AccessKey == "" || s.SecretKey == "" {
		unavailable(t, EnvEndpoint+" is set but AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not")
	}
	if s.Region == "" {
		s.Region = "us-east-1"
	}
	return s
}

// Bucket returns a fresh, empty bucket on the shared server, as Open would give it
// (with retries); it is removed with its objects when the test ends.
func Bucket(t testing.TB) blob.Bucket {
	t.Helper()
	s := Shared(t)
	return blob.WithRetry(s.S3(t, s.NewBucket(t), ""), blob.DefaultRetryPolicy())
}

// Client returns a minio-go client for MinIO-specific administration.
func (s *Server) Client(t testing.TB) *minio.Client {
	t.Helper()
	host := strings.TrimPrefix(strings.TrimPrefix(s.Endpoint, "http://"), "https://")
	c, err := minio.New(host, &minio.Options{
		Creds:  miniocreds.NewStaticV4(s.AccessKey, s.SecretKey, ""),
		Secure: strings.HasPrefix(s.Endpoint, "https://"),
		Region: s.Region,
	})
	if err != nil {
		t.Fatalf("minio client for %s: %v", s.Endpoint, err)
	}
	return c
}

// NewBucket creates an empty bucket named after the test and returns its name; it is
// force-deleted (with its objects) when the test ends.
func (s *Server) NewBucket(t testing.TB) string {
	t.Helper()
	name := bucketName(t.Name())
	c := s.Client(t)
	if err := c.MakeBucket(t.Context(), name, minio.MakeBucketOptions{Region: s.Region}); err != nil {
		t.Fatalf("create bucket %s on %s: %v", name, s.Endpoint, err)
	}
	t.Cleanup(func() {
		err := c.RemoveBucketWithOptions(context.Background(), name, minio.RemoveBucketOptions{ForceDelete: true})
		if err != nil {
			t.Logf("remove bucket %s: %v", name, err)
		}
	})
	return name
}

// S3 opens bucket through the blob S3 backend without retries. endpoint overrides the
// server's (to go through a proxy); "" uses the server's.
func (s *Server) S3(t testing.TB, bucket, endpoint string) *blob.S3 {
	t.Helper()
	if endpoint == "" {
		endpoint = s.Endpoint
	}
	b, err := blob.NewS3(t.Context(), blob.S3Options{
		Bucket:      bucket,
		Endpoint:    endpoint,
		Region:      s.Region,
		Credentials: credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
	})
	if err != nil {
		t.Fatalf("open s3 bucket %s: %v", bucket, err)
	}
	return b
}

// bucketName turns a test name into a valid, unique S3 bucket name.
func bucketName(test string) string {
	var sb strings.Builder
	dash := false
	for _, r := range strings.ToLower(test) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			sb.WriteRune(r)
			dash = false
		} else if !dash {
			sb.WriteByte('-')
			dash = true
		}
	}
	base := strings.Trim(sb.String(), "-")
	if len(base) > 40 {
		base = strings.TrimRight(base[:40], "-")
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	return "t-" + base + "-" + hex.EncodeToString(rnd[:])
}
