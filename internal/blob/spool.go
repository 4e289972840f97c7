package blob

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// spoolMemLimit is how much of a non-seekable body is kept in memory before the rest
// goes to a temporary file.
const spoolMemLimit = 16 << 20

// spooled is a request body that can be read again from the start for every attempt.
type spooled struct {
	ra    io.ReaderAt
	off   int64
	size  int64
	etag  string // hex MD5, known when the body was copied; computed on demand otherwise
	clean func()
}

// spool makes r re-readable. A reader that can seek and read at offsets (bytes.Reader,
// strings.Reader, *os.File) is used in place from its current offset; anything else is
// copied, to memory up to spoolMemLimit and beyond that to a temporary file.
func spool(ctx context.Context, r io.Reader) (*spooled, error) {
	if ra, ok := r.(interface {
		io.ReaderAt
		io.Seeker
	}); ok {
		cur, err := ra.Seek(0, io.SeekCurrent)
		if err == nil {
			end, err := ra.Seek(0, io.SeekEnd)
			if err == nil {
				if _, err := ra.Seek(cur, io.SeekStart); err == nil {
					return &spooled{ra: ra, off: cur, size: end - cur, clean: func() {}}, nil
				}
			}
		}
	}
	h := md5.New()
	var mem bytes.Buffer
	n, err := io.Copy(io.MultiWriter(&mem, h), io.LimitReader(ctxReader{ctx, r}, spoolMemLimit+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if n <= spoolMemLimit {
		return &spooled{ra: bytes.NewReader(mem.Bytes()), size: n, etag: hex.EncodeToString(h.Sum(nil)), clean: func() {}}, nil
	}
	tmp, err := os.CreateTemp("", "recpipe-spool-*")
	if err != nil {
		return nil, fmt.Errorf("spool body: %w", err)
	}
	clean := func() { tmp.Close(); os.Remove(tmp.Name()) }
	if _, err := tmp.Write(mem.Bytes()); err != nil {
		clean()
		return nil, fmt.Errorf("spool body: %w", err)
	}
	rest, err := io.Copy(io.MultiWriter(tmp, h), ctxReader{ctx, r})
	if err != nil {
		clean()
		return nil, fmt.Errorf("spool body: %w", err)
	}
	return &spooled{ra: tmp, size: n + rest, etag: hex.EncodeToString(h.Sum(nil)), clean: clean}, nil
}

// reader returns a fresh reader over the whole body.
func (s *spooled) reader() *io.SectionReader { return io.NewSectionReader(s.ra, s.off, s.size) }

// md5 returns the body's hex MD5, hashing it if it was not copied.
func (s *spooled) md5() (string, error) {
	if s.etag == "" {
		h := md5.New()
		if _, err := io.Copy(h, s.reader()); err != nil {
			return "", err
		}
		s.etag = hex.EncodeToString(h.Sum(nil))
	}
	return s.etag, nil
}

func (s *spooled) close() { s.clean() }
