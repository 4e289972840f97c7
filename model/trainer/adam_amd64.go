package trainer

import "golang.org/x/sys/cpu"

// useAVX2 selects adamAVX (tests turn it off to compare with Go).
var useAVX2 = cpu.X86.HasAVX2

//go:noescape
func adamAVX(w, gr, m, v *float32, n int, k *[8]float32)
