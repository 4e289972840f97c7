//go:build !amd64 || amd64.v3

package ss4rec

// exactFloat: the compiler may fuse a·b+c into one FMA (GOAMD64=v3, arm64, …) in the
// Go reference but not in assembly, so predictions agree to float32 rounding only.
const exactFloat = false
