//go:build !amd64

package kernels

func mambaFwdPos(next, prev, a, dt, dx, bm []float32, n int) {
	mambaFwdPosGo(next, prev, a, dt, dx, bm, n)
}

func mambaBwdPos(p *mambaBwdArgs, n int) { mambaBwdPosGo(p, n) }

// SiLU writes y = x·σ(x) = x/(1 + e^−x) element-wise.
func SiLU(y, x []float32) { siluGo(y, x) }

// SiLUGrad writes dx = dy · d silu/dx element-wise.
func SiLUGrad(dx, x, dy []float32) { siluGradGo(dx, x, dy) }

// softplusRow writes y[i] = Softplus(x[i]).
func softplusRow(y, x []float32) {
	for i, v := range x {
		y[i] = Softplus(v)
	}
}

// softplusSigmoidRow writes y[i] = Softplus(x[i]) and s[i] = Sigmoid(x[i]).
func softplusSigmoidRow(y, s, x []float32) {
	for i, v := range x {
		y[i], s[i] = Softplus(v), Sigmoid(v)
	}
}
