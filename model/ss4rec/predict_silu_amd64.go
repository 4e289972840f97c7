package ss4rec

import (
	"math"

	"golang.org/x/sys/cpu"
)

// siluConsts is the number of constants siluAVX reads, each in four 64-bit lanes.
const siluConsts = 18

// useSiluAVX selects siluAVX. It follows math.Exp's amd64 code, whose FMA form
// runs where the CPU has AVX and FMA; without FMA math.Exp rounds differently, so
// the Go loop runs instead (tests turn it off to compare).
var useSiluAVX = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func siluAVX(y, x *float32, n int, c *[siluConsts][4]uint64) int

// siluTable holds the constants of math.Exp's amd64 code (Shibata's method) as the
// float64 values its assembly reads, then float32 1 and the exponent bias.
var siluTable = func() (t [siluConsts][4]uint64) {
	f := math.Float64bits
	for i, v := range [siluConsts]uint64{1 << 63, 1<<63 - 1, f(700),
		f(1.4426950408889634073599246810018920),                  // log2 e
		f(0.69314718055966295651160180568695068359375),           // ln 2, upper part
		f(0.28235290563031577122588448175013436025525412068e-12), // ln 2, lower part
		f(0.0625),
		f(2.4801587301587301587e-5), f(1.9841269841269841270e-4), f(1.3888888888888888889e-3),
		f(8.3333333333333333333e-3), f(4.1666666666666666667e-2), f(1.6666666666666666667e-1),
		f(0.5), f(1), f(2),
		uint64(math.Float32bits(1))<<32 | uint64(math.Float32bits(1)), 0x3ff} {
		t[i] = [4]uint64{v, v, v, v}
	}
	return t
}()

// siluRow writes y[i] = silu(x[i]) = x[i]/(1 + float32(math.Exp(−x[i]))) for every
// i, bit for bit: four lanes at a time with math.Exp's operations in their order
// where |x| ≤ 700 (math.Exp's normal-result path), silu itself elsewhere.
func siluRow(y, x []float32) {
	y = y[:len(x)]
	i := 0
	for useSiluAVX && len(x)-i >= 4 {
		n := (len(x) - i) / 4 * 4
		done := siluAVX(&y[i], &x[i], n, &siluTable)
		i += done
		if done < n {
			// The group at i has a lane outside the vector range.
			siluRowGo(y[i:i+4], x[i:i+4])
			i += 4
		}
	}
	siluRowGo(y[i:], x[i:])
}
