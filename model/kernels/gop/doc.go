// Package gop wraps the scan kernels as gorgonia custom Ops: each scan is one fused
// Op whose SymDiff applies a second custom Op, the hand-written backward, which
// returns every input gradient packed in one vector; gorgonia slices it back apart.
// The kernels run through a kernels.Backend, so a GPU backend plugs in unchanged.
package gop
