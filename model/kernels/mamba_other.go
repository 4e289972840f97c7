//go:build !amd64

package kernels

func mambaFwdPos(next, prev, a, dt, dx, bm []float32, n int) {
	mambaFwdPosGo(next, prev, a, dt, dx, bm, n)
}

func mambaBwdPos(p *mambaBwdArgs, n int) { mambaBwdPosGo(p, n) }
