//go:build recpipe_cuda

package cuda_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/recpipe/recpipe/model/kernels/cuda"
	"github.com/recpipe/recpipe/model/kernels/cuda/cudatest"
	"github.com/recpipe/recpipe/model/kernels/kerneltest"
)

// dev is the GPU every cuda-tagged test and benchmark uses, opened once.
var dev *cuda.Device

func TestMain(m *testing.M) {
	var err error
	dev, err = cuda.Open(context.Background(), slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "open GPU:", err)
		os.Exit(1)
	}
	code := m.Run()
	if err := dev.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "close GPU:", err)
		code = 1
	}
	os.Exit(code)
}

// TestGPUMatchesCPU runs every kernel on the GPU against the CPU kernels.
func TestGPUMatchesCPU(t *testing.T) { cudatest.CheckAll(t, dev, cudatest.Big) }

// TestGemmMatchesCPU compares cuBLAS with gonum's Sgemm (used by the ss4rec layers)
// for every transposition.
func TestGemmMatchesCPU(t *testing.T) {
	const m, k, n = 96, 70, 33
	r := rand.New(rand.NewPCG(9, 9))
	var impl gonum.Implementation
	for _, ta := range []bool{false, true} {
		for _, tb := range []bool{false, true} {
			a, b := kerneltest.RandSlice(r, m*k, -1, 1), kerneltest.RandSlice(r, k*n, -1, 1)
			c := kerneltest.RandSlice(r, m*n, -1, 1)
			want := slices.Clone(c)
			tA, lda := blas.NoTrans, k
			if ta {
				tA, lda = blas.Trans, m
			}
			tB, ldb := blas.NoTrans, n
			if tb {
				tB, ldb = blas.Trans, k
			}
			impl.Sgemm(tA, tB, m, n, k, 1, a, lda, b, ldb, 0.5, want, n)
			if err := dev.Gemm(c, a, b, m, k, n, ta, tb, 0.5); err != nil {
				t.Fatal(err)
			}
			cudatest.Agree(t, fmt.Sprintf("gemm ta=%v tb=%v", ta, tb), c, want, 1e-4)
		}
	}
}
