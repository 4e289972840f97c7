package ss4rec

import "math"

// expf is kernels' float32 exp (the selective scan's), written out here so that the
// compiler inlines it into the inference scan: the same operations in the same
// order, hence the same bits (TestExpfMatchesKernels).
// The constants of expf (Cody–Waite reduction by ln 2; adding expMagic = 1.5·2²³
// rounds to an integer).
const (
	expLog2e = 1.44269504088896341
	expLn2hi = 0.693359375
	expLn2lo = -2.12194440e-4
	expMagic = 12582912
)

func expf(x float32) float32 {
	if !(x >= -87.3 && x <= 88) {
		return expfSlow(x)
	}
	f := x*expLog2e + expMagic
	kf := f - expMagic
	r := x - kf*expLn2hi - kf*expLn2lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720))))))
	return p * math.Float32frombits(uint32(int32(math.Float32bits(f))-0x4b400000+127)<<23)
}

func expfSlow(x float32) float32 {
	if x < -87.3 {
		return 0
	}
	return float32(math.Exp(float64(x)))
}

// scanRowsGo is scanRows in plain Go (other architectures, n not a multiple of 4,
// and products outside expf's fast range).
func scanRowsGo(h, a, dt, dx, bm []float32, n int) {
	for i, d := range dt {
		hi, ai := h[i*n:i*n+n], a[i*n:i*n+n]
		for k, av := range ai {
			hi[k] = expf(d*av)*hi[k] + dx[i]*bm[k]
		}
	}
}
