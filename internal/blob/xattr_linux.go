package blob

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// etagXattr holds "<md5 hex> <size> <mtime ns>" on a file written by the file backend.
// It is set on the temporary file before the rename, so it is published atomically with
// the content; size and mtime detect a file changed behind the bucket's back.
const etagXattr = "user.recpipe.etag"

func etagStamp(fi fs.FileInfo) string {
	return fmt.Sprintf("%d %d", fi.Size(), fi.ModTime().UnixNano())
}

func writeETag(fh *os.File, fi fs.FileInfo, etag string) {
	_ = unix.Fsetxattr(int(fh.Fd()), etagXattr, []byte(etag+" "+etagStamp(fi)), 0)
}

func readETag(fh *os.File, fi fs.FileInfo) (string, bool) {
	buf := make([]byte, 128)
	n, err := unix.Fgetxattr(int(fh.Fd()), etagXattr, buf)
	if err != nil {
		return "", false
	}
	etag, stamp, ok := strings.Cut(string(buf[:n]), " ")
	if !ok || stamp != etagStamp(fi) || len(etag) != 32 {
		return "", false
	}
	return etag, true
}

func isNotDir(err error) bool { return errors.Is(err, syscall.ENOTDIR) }
func isIsDir(err error) bool {
	return errors.Is(err, syscall.EISDIR) || errors.Is(err, syscall.ENOTEMPTY)
}
