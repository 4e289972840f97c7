//go:build !amd64

package trainer

const useAVX2 = false

func adamAVX(w, gr, m, v *float32, n int, k *[8]float32) {
	panic("trainer: no AVX2 on this architecture")
}
