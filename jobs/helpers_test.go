package jobs

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
)

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testLogger logs JSON into a buffer the test can read.
func testLogger(t *testing.T) (*slog.Logger, *syncBuffer) {
	t.Helper()
	buf := &syncBuffer{}
	log, err := NewLogger(buf, "debug", true)
	if err != nil {
		t.Fatal(err)
	}
	return log, buf
}

// keys lists the keys under prefix.
func keys(t *testing.T, b blob.Bucket, prefix string) []string {
	t.Helper()
	attrs, err := b.List(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range attrs {
		out = append(out, a.Key)
	}
	return out
}

func put(t *testing.T, b blob.Bucket, key, data string) blob.Attrs {
	t.Helper()
	a, err := blob.PutBytes(context.Background(), b, key, []byte(data), blob.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}
