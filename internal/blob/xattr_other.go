//go:build !linux

package blob

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// Without extended attributes the file backend hashes the content on Stat.
func writeETag(*os.File, fs.FileInfo, string)       {}
func readETag(*os.File, fs.FileInfo) (string, bool) { return "", false }

func isNotDir(err error) bool { return errors.Is(err, syscall.ENOTDIR) }
func isIsDir(err error) bool {
	return errors.Is(err, syscall.EISDIR) || errors.Is(err, syscall.ENOTEMPTY)
}
