//go:build !amd64

package ss4rec

// widePath is one of matmulWide's kernels, run with it selected.
type widePath struct {
	name string
	run  func(f func())
}

// widePaths lists the kernels: plain Go only on this architecture.
func widePaths() []widePath { return []widePath{{"Go", func(f func()) { f() }}} }
