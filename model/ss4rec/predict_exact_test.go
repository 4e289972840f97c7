//go:build amd64 && !amd64.v3

package ss4rec

// exactFloat: this build does not fuse multiply-adds (GOAMD64 below v3), so the Go
// reference and the SSE paths round every product and sum alike: equal bit for bit.
const exactFloat = true
