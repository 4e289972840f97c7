package cuda_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/recpipe/recpipe/model/kernels/cuda"
)

// globalRE matches a kernel entry point: extern "C" __global__ void name(
var globalRE = regexp.MustCompile(`extern\s+"C"\s+__global__\s+void\s+(\w+)\s*\(`)

// cuKernels returns the extern "C" __global__ names defined in the *.cu files, and
// the file defining each.
func cuKernels(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.cu")
	if err != nil || len(files) == 0 {
		t.Fatalf("no .cu sources found (err %v)", err)
	}
	defs := map[string]string{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range globalRE.FindAllStringSubmatch(string(src), -1) {
			if prev, dup := defs[m[1]]; dup {
				t.Errorf("kernel %s defined in %s and %s", m[1], prev, f)
			}
			defs[m[1]] = f
		}
	}
	return defs
}

// TestEveryEntryHasItsKernels checks that every kernel an entry point launches is
// defined in the CUDA sources, and that every defined kernel is launched by some entry.
func TestEveryEntryHasItsKernels(t *testing.T) {
	defs := cuKernels(t)
	for _, entry := range []string{"S5Forward", "S5Backward", "MambaForward", "MambaBackward",
		"Gather", "ScatterAddRows", "AdamDense", "AdamRows"} {
		ks, ok := cuda.Kernels[entry]
		if !ok || len(ks) == 0 {
			t.Errorf("entry %s lists no kernels", entry)
		}
		for _, k := range ks {
			if _, ok := defs[k]; !ok {
				t.Errorf("entry %s launches %s, which no .cu file defines as extern \"C\" __global__", entry, k)
			}
		}
	}
	names := cuda.KernelNames()
	for k, f := range defs {
		if !slices.Contains(names, k) {
			t.Errorf("%s defines kernel %s, which no entry point launches", f, k)
		}
	}
}

// TestKernelParamsAre8Bytes checks the launch convention of gorgonia.org/cu: each
// argument is copied as 8 bytes, so kernel parameters must be pointers, long long or
// double (an int or float parameter would read garbage).
func TestKernelParamsAre8Bytes(t *testing.T) {
	sig := regexp.MustCompile(`extern\s+"C"\s+__global__\s+void\s+(\w+)\s*\(([^)]*)\)`)
	param := regexp.MustCompile(`^(const\s+)?(float|double|int)\s*\*\s*\w+$|^(long long|double)\s+\w+$`)
	files, _ := filepath.Glob("*.cu")
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range sig.FindAllStringSubmatch(string(src), -1) {
			for _, p := range regexp.MustCompile(`\s*,\s*`).Split(regexp.MustCompile(`\s+`).ReplaceAllString(m[2], " "), -1) {
				if p = regexp.MustCompile(`^\s+|\s+$`).ReplaceAllString(p, ""); !param.MatchString(p) {
					t.Errorf("%s: kernel %s parameter %q is not a pointer, long long or double", f, m[1], p)
				}
			}
		}
	}
}
