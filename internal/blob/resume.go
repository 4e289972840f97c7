package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// versioned is a body that knows the ETag of the object it reads (S3 bodies do).
type versioned interface {
	io.ReadCloser
	ETag() string
}

// etagBody attaches the object's ETag to a response body.
type etagBody struct {
	io.ReadCloser
	etag string
}

func (b etagBody) ETag() string { return b.etag }

// resuming reads a body and, when the connection breaks mid-way, reopens the object
// from the first byte not yet read, as long as it is still the same version (ETag).
type resuming struct {
	r    *retrying
	ctx  context.Context
	key  string
	body versioned
	off  int64 // next byte of the object to read
	left int64 // bytes still wanted; < 0: to the end
	ends int   // reopenings so far
}

func (r *retrying) resumable(ctx context.Context, key string, rc io.ReadCloser, off, n int64) io.ReadCloser {
	v, ok := rc.(versioned)
	if !ok || v.ETag() == "" {
		return rc
	}
	return &resuming{r: r, ctx: ctx, key: key, body: v, off: off, left: n}
}

func (s *resuming) Read(p []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	if s.left > 0 && int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, err := s.body.Read(p)
	s.off += int64(n)
	if s.left > 0 {
		s.left -= int64(n)
	}
	if err == nil || errors.Is(err, io.EOF) || !IsTransient(err) || s.ctx.Err() != nil || s.ends+1 >= s.r.p.MaxAttempts {
		return n, err
	}
	s.ends++
	s.r.p.logger().WarnContext(s.ctx, "storage read resumed", "key", s.key, "bucket", s.r.URL(),
		"offset", s.off, "resume", s.ends, "err", err)
	etag := s.body.ETag()
	s.body.Close()
	var rc io.ReadCloser
	if rerr := s.r.do(s.ctx, "get", s.key, func(int) (e error) { rc, e = GetRange(s.ctx, s.r.Bucket, s.key, s.off, s.left); return e }); rerr != nil {
		s.body = etagBody{io.NopCloser(errReader{rerr}), etag}
		return n, fmt.Errorf("get %s: resume at byte %d: %w", s.key, s.off, rerr)
	}
	v, ok := rc.(versioned)
	if !ok || v.ETag() != etag {
		rc.Close()
		err := fmt.Errorf("get %s: the object changed while it was read (resume at byte %d)", s.key, s.off)
		s.body = etagBody{io.NopCloser(errReader{err}), etag}
		return n, err
	}
	s.body = v
	if n > 0 {
		return n, nil
	}
	return s.Read(p)
}

func (s *resuming) Close() error { return s.body.Close() }

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
