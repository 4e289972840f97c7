package etl

import (
	"bufio"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/ratings"
)

// sumWriter counts and hashes what goes through it.
type sumWriter struct {
	sha, md5 hash.Hash
	n        int64
}

// newSumWriter hashes with sha256, and with md5 too (to compare with an ETag) if withMD5.
func newSumWriter(withMD5 bool) *sumWriter {
	s := &sumWriter{sha: sha256.New()}
	if withMD5 {
		s.md5 = md5.New()
	}
	return s
}

func (s *sumWriter) Write(p []byte) (int, error) {
	s.sha.Write(p)
	if s.md5 != nil {
		s.md5.Write(p)
	}
	s.n += int64(len(p))
	return len(p), nil
}

func (s *sumWriter) sum() ObjectSum {
	return ObjectSum{SHA256: hex.EncodeToString(s.sha.Sum(nil)), Size: s.n}
}

// putStream stores the bytes encode writes under key without holding them in memory,
// unless an identical object (same size and MD5 ETag) is already there, in which case
// it writes nothing. encode must be deterministic: it may run twice (once to hash,
// once to write). It reports whether it wrote.
func putStream(ctx context.Context, b blob.Bucket, key string, encode func(w io.Writer) error) (ObjectSum, bool, error) {
	cur, err := b.Stat(ctx, key)
	switch {
	case err == nil:
		sw := newSumWriter(true)
		if err := encode(sw); err != nil {
			return ObjectSum{}, false, fmt.Errorf("encode %s: %w", key, err)
		}
		if cur.Size == sw.n && cur.ETag == hex.EncodeToString(sw.md5.Sum(nil)) {
			return sw.sum(), false, nil
		}
	case !errors.Is(err, blob.ErrNotFound):
		return ObjectSum{}, false, err
	}
	pr, pw := io.Pipe()
	sw := newSumWriter(false)
	done := make(chan error, 1)
	go func() {
		err := encode(io.MultiWriter(pw, sw))
		pw.CloseWithError(err)
		done <- err
	}()
	_, perr := b.Put(ctx, key, pr, blob.PutOptions{ContentType: contentType(key)})
	pr.CloseWithError(errors.New("put ended")) // unblock the encoder if Put stopped reading
	eerr := <-done
	switch {
	case perr != nil: // carries the encoder's error when that is what stopped it
		return ObjectSum{}, false, perr
	case eerr != nil:
		return ObjectSum{}, false, fmt.Errorf("encode %s: %w", key, eerr)
	}
	return sw.sum(), true, nil
}

func contentType(key string) string {
	switch {
	case len(key) > 4 && key[len(key)-4:] == ".csv":
		return "text/csv"
	case len(key) > 4 && key[len(key)-4:] == ".zip":
		return "application/zip"
	}
	return ""
}

// encodeRows writes a ratings CSV: the header, then the rows for whose index keep is
// true (every row when keep is nil).
func encodeRows(w io.Writer, rows []ratings.Rating, keep func(i int) bool) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(ratings.Header + "\n")
	var line []byte
	for i, r := range rows {
		if keep != nil && !keep(i) {
			continue
		}
		line = ratings.AppendCSV(line[:0], r)
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// encodeTest writes test rows and fills offsets (Days+1 entries) with the byte
// position at which each day of DayBounds starts, and the file size last.
func encodeTest(w io.Writer, rows []ratings.Rating, offsets []int64) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(ratings.Header + "\n")
	pos := int64(len(ratings.Header) + 1)
	n := len(rows)
	day := 1
	var line []byte
	for i, r := range rows {
		for day <= Days {
			if lo, _ := DayBounds(day, n); lo > i {
				break
			}
			offsets[day-1] = pos
			day++
		}
		line = ratings.AppendCSV(line[:0], r)
		if _, err := bw.Write(line); err != nil {
			return err
		}
		pos += int64(len(line))
	}
	for ; day <= Days+1; day++ {
		offsets[day-1] = pos
	}
	return bw.Flush()
}
