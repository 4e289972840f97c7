package ss4rec

import "testing"

// widePath is one of matmulWide's kernels, run with it selected.
type widePath struct {
	name string
	run  func(f func())
}

// widePaths lists the kernels this machine can run: AVX where it has it, and SSE.
func widePaths() []widePath {
	with := func(on bool) func(f func()) {
		return func(f func()) {
			old := useMatmulAVX
			useMatmulAVX = on
			defer func() { useMatmulAVX = old }()
			f()
		}
	}
	ps := []widePath{{"SSE", with(false)}}
	if useMatmulAVX {
		ps = append(ps, widePath{"AVX", with(true)})
	}
	return ps
}

// TestScanRowsSSEMatchesExpf runs TestScanRowsMatchesExpf on scanRowsSSE, with
// the AVX2 kernel off.
func TestScanRowsSSEMatchesExpf(t *testing.T) {
	old := useScanAVX2
	useScanAVX2 = false
	defer func() { useScanAVX2 = old }()
	TestScanRowsMatchesExpf(t)
}
