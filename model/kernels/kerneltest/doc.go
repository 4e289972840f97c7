// Package kerneltest holds float64 reference implementations of the scans, written
// literally from the equations, and finite-difference helpers. Tests of the kernels,
// of their gorgonia Ops and of the SS4Rec model check gradients against them.
package kerneltest
