package etl_test

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"testing"

	"github.com/recpipe/recpipe/internal/ratings"
)

func prepCompare(a, b ratings.Rating) int {
	return cmp.Or(cmp.Compare(a.Time, b.Time), cmp.Compare(a.User, b.User), cmp.Compare(a.Item, b.Item))
}

func prepSHA(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

func prepReadString(t *testing.T, rc io.ReadCloser) string {
	t.Helper()
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func prepBytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
