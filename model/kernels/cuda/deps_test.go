package cuda_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// goListDeps lists the dependencies of pkg (relative to the module root) with tags.
func goListDeps(t *testing.T, tags, pkg string) []string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not on PATH")
	}
	args := []string{"list", "-deps"}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Dir = "../../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v", strings.Join(cmd.Args[1:], " "), err)
	}
	return strings.Fields(string(out))
}

// TestUntaggedBuildsNeverLinkCu guards the rule that CPU binaries never link
// gorgonia.org/cu (its init exits the process without a CUDA driver).
func TestUntaggedBuildsNeverLinkCu(t *testing.T) {
	for _, pkg := range []string{"./functions/train-gpu", "./model/kernels/cuda", "./model/all"} {
		for _, d := range goListDeps(t, "", pkg) {
			if d == "gorgonia.org/cu" || strings.HasPrefix(d, "gorgonia.org/cu/") {
				t.Errorf("untagged %s depends on %s", pkg, d)
			}
		}
	}
}

// TestCudaTagLinksCu checks the other side: with -tags recpipe_cuda this package uses cu and
// its cuBLAS binding (so the tag split is real, not an empty package).
func TestCudaTagLinksCu(t *testing.T) {
	deps := goListDeps(t, "recpipe_cuda", "./model/kernels/cuda")
	for _, want := range []string{"gorgonia.org/cu", "gorgonia.org/cu/blas"} {
		if !slices.Contains(deps, want) {
			t.Errorf("-tags recpipe_cuda ./model/kernels/cuda does not depend on %s", want)
		}
	}
}

// TestGPUBuildKeepsGorgoniaOnTheCPU checks that the GPU build of train-gpu does not set
// gorgonia's own `cuda` tag, which would switch its VM to CUDA and need cuDNN
// (gorgonia.org/cu/dnn): the recpipe tag is recpipe_cuda.
func TestGPUBuildKeepsGorgoniaOnTheCPU(t *testing.T) {
	deps := goListDeps(t, "recpipe_cuda", "./functions/train-gpu")
	if !slices.Contains(deps, "gorgonia.org/cu") || slices.Contains(deps, "gorgonia.org/cu/dnn") {
		t.Errorf("-tags recpipe_cuda train-gpu: depends on cu %v, on cu/dnn %v; want cu and not cu/dnn",
			slices.Contains(deps, "gorgonia.org/cu"), slices.Contains(deps, "gorgonia.org/cu/dnn"))
	}
}
