package kernels

import "math"

// expf is exp for float32 arguments, accurate to a few float32 ulps (relative error
// below 4e-7) and several times faster than math.Exp: Cody–Waite reduction by ln 2
// with the rounding done by the 1.5·2²³ trick, then a degree-6 polynomial. The
// selective scan calls it B·T·E·N times per pass.
func expf(x float32) float32 {
	if !(x >= expLow && x <= 88) {
		return expSlow(x)
	}
	f := x*expLog2e + expMagic
	k := int32(math.Float32bits(f)) - 0x4b400000
	kf := f - expMagic
	r := x - kf*expLn2hi - kf*expLn2lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720))))))
	return p * math.Float32frombits(uint32(k+127)<<23)
}

// The constants of expf: Cody–Waite reduction by ln 2 (hi and lo parts); adding
// expMagic = 1.5·2²³ rounds to an integer; below expLow the result is 0.
const (
	expLog2e = 1.44269504088896341
	expLn2hi = 0.693359375
	expLn2lo = -2.12194440e-4
	expMagic = 12582912
	expLow   = -87.3
)

func expSlow(x float32) float32 {
	if x < expLow {
		return 0
	}
	return float32(math.Exp(float64(x)))
}

// log1pf is log(1+y) for y in [0, 1], to float32 precision: log(u) of u = 1+y by
// exponent and mantissa (atanh series), corrected for the rounding of u.
func log1pf(y float32) float32 {
	u := 1 + y
	if u == 1 {
		return y
	}
	bits := math.Float32bits(u)
	k := int32(bits>>23) - 127
	m := math.Float32frombits(bits&0x007fffff | 0x3f800000) // [1, 2)
	if m > 1.41421356 {
		m *= 0.5
		k++
	}
	s := (m - 1) / (m + 1)
	s2 := s * s
	l := 2 * s * (1 + s2*(1.0/3+s2*(1.0/5+s2*(1.0/7+s2*(1.0/9)))))
	return float32(k)*0.693147181 + l - ((u-1)-y)/u
}
