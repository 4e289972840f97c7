package cuemu_test

import (
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/recpipe/recpipe/model/kernels/cuda"
)

// TestEmulationDispatchesEveryKernel checks that emu.cpp's launch table names every
// kernel of cuda.Kernels (a kernel missing there would fail only under -tags cuemu).
func TestEmulationDispatchesEveryKernel(t *testing.T) {
	src, err := os.ReadFile("emu.cpp")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range regexp.MustCompile(`(?m)^\s*KERNEL\((\w+)\)`).FindAllStringSubmatch(string(src), -1) {
		got = append(got, m[1])
	}
	slices.Sort(got)
	if want := cuda.KernelNames(); !slices.Equal(got, want) {
		t.Errorf("emu.cpp dispatches %v\nwant %v", got, want)
	}
}
