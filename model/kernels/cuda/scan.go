package cuda

import (
	"fmt"

	"github.com/recpipe/recpipe/model/kernels"
)

// Backend adapts a Device to kernels.Backend. The seam has no error results, so a
// device failure panics with an error wrapping ErrDevice (loud, never a silent zero).
type Backend struct{ D *Device }

var _ kernels.Backend = Backend{}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// S5Forward implements kernels.Backend.
func (g Backend) S5Forward(d kernels.S5Dims, p kernels.S5Params, u, tau, y, xs []float32) {
	must(g.D.S5Forward(d, p, u, tau, y, xs))
}

// S5Backward implements kernels.Backend.
func (g Backend) S5Backward(d kernels.S5Dims, p kernels.S5Params, u, tau, xs, dy, du []float32, gr kernels.S5Params) {
	must(g.D.S5Backward(d, p, u, tau, xs, dy, du, gr))
}

// MambaForward implements kernels.Backend.
func (g Backend) MambaForward(d kernels.MambaDims, in kernels.MambaIn, y, hs []float32) {
	must(g.D.MambaForward(d, in, y, hs))
}

// MambaBackward implements kernels.Backend.
func (g Backend) MambaBackward(d kernels.MambaDims, in kernels.MambaIn, hs, dy []float32, gr kernels.MambaIn) {
	must(g.D.MambaBackward(d, in, hs, dy, gr))
}

// checkS5 verifies every slice of an S5 call against its dimensions.
func checkS5(d kernels.S5Dims, p kernels.S5Params, u, tau, y, xs []float32) error {
	n := d.B * d.T
	checks := []struct {
		what string
		s    []float32
		want int
	}{
		{"s5 u", u, n * d.H}, {"s5 tau", tau, n}, {"s5 y/du", y, n * d.H}, {"s5 xs", xs, kernels.S5CacheLen(d)},
		{"s5 logA", p.LogA, d.P}, {"s5 imA", p.ImA, d.P}, {"s5 logStep", p.LogStep, d.P},
		{"s5 bRe", p.BRe, d.P * d.H}, {"s5 bIm", p.BIm, d.P * d.H}, {"s5 cRe", p.CRe, d.H * d.P}, {"s5 cIm", p.CIm, d.H * d.P},
		{"s5 D", p.D, d.H},
	}
	for _, c := range checks {
		if err := needLen(c.what, c.s, c.want); err != nil {
			return err
		}
	}
	return nil
}

// checkMamba verifies every slice of a selective-scan call against its dimensions.
func checkMamba(d kernels.MambaDims, in kernels.MambaIn, y, hs []float32) error {
	n := d.B * d.T
	checks := []struct {
		what string
		s    []float32
		want int
	}{
		{"mamba x", in.X, n * d.E}, {"mamba dtRaw", in.DtRaw, n * d.E}, {"mamba Bm", in.Bm, n * d.N}, {"mamba Cm", in.Cm, n * d.N},
		{"mamba aLog", in.ALog, d.E * d.N}, {"mamba D", in.D, d.E}, {"mamba y/dy", y, n * d.E}, {"mamba hs", hs, kernels.MambaCacheLen(d)},
	}
	for _, c := range checks {
		if err := needLen(c.what, c.s, c.want); err != nil {
			return err
		}
	}
	return nil
}

var s5Names = []string{"s5.u", "s5.tau", "s5.logA", "s5.imA", "s5.logStep", "s5.bRe", "s5.bIm", "s5.cRe", "s5.cIm", "s5.D"}

// S5Forward runs the S5 scan on the GPU over host slices (see kernels.Backend).
func (dv *Device) S5Forward(d kernels.S5Dims, p kernels.S5Params, u, tau, y, xs []float32) error {
	if err := checkS5(d, p, u, tau, y, xs); err != nil {
		return err
	}
	return dv.do(func() error {
		in, err := dv.uploadAll(s5Names, u, tau, p.LogA, p.ImA, p.LogStep, p.BRe, p.BIm, p.CRe, p.CIm, p.D)
		if err != nil {
			return err
		}
		px, err := dv.buf("s5.xs", kernels.S5CacheLen(d))
		if err != nil {
			return err
		}
		py, err := dv.buf("s5.y", len(y))
		if err != nil {
			return err
		}
		B, T, H, P := int64(d.B), int64(d.T), int64(d.H), int64(d.P)
		if err := dv.launch("s5_fwd_states", d.B*d.P, px, in[0], in[1], in[2], in[3], in[4], in[5], in[6], B, T, H, P); err != nil {
			return err
		}
		if err := dv.launch("s5_fwd_out", d.B*d.T*d.H, py, in[0], px, in[7], in[8], in[9], B, T, H, P); err != nil {
			return err
		}
		if err := dv.sync("S5Forward"); err != nil {
			return err
		}
		if err := dv.download(py, y, "s5 y"); err != nil {
			return err
		}
		return dv.download(px, xs, "s5 xs")
	})
}

// S5Backward runs the S5 backward on the GPU, accumulating into du and g.
func (dv *Device) S5Backward(d kernels.S5Dims, p kernels.S5Params, u, tau, xs, dy, du []float32, g kernels.S5Params) error {
	if err := checkS5(d, p, u, tau, dy, xs); err != nil {
		return err
	}
	if err := checkS5(d, g, du, tau, dy, xs); err != nil {
		return fmt.Errorf("gradients: %w", err)
	}
	return dv.do(func() error {
		in, err := dv.uploadAll(s5Names, u, tau, p.LogA, p.ImA, p.LogStep, p.BRe, p.BIm, p.CRe, p.CIm, p.D)
		if err != nil {
			return err
		}
		ex, err := dv.uploadAll([]string{"s5.xs", "s5.dy", "s5.du"}, xs, dy, du)
		if err != nil {
			return err
		}
		gs := g.Slices()
		gp, err := dv.uploadAll([]string{"s5.gLogA", "s5.gImA", "s5.gLogStep", "s5.gBRe", "s5.gBIm", "s5.gCRe", "s5.gCIm", "s5.gD"}, gs...)
		if err != nil {
			return err
		}
		pdv, err := dv.buf("s5.dv", 2*d.B*d.T*d.P)
		if err != nil {
			return err
		}
		part, err := dv.buf("s5.part", 2*3*d.B*d.P) // float64
		if err != nil {
			return err
		}
		B, T, H, P := int64(d.B), int64(d.T), int64(d.H), int64(d.P)
		pu, ptau, pxs, pdy, pdu := in[0], in[1], ex[0], ex[1], ex[2]
		steps := []struct {
			k    string
			n    int
			args []any
		}{
			{"s5_bwd_states", d.B * d.P, []any{pdv, part, pu, ptau, pxs, pdy, in[2], in[3], in[4], in[5], in[6], in[7], in[8], B, T, H, P}},
			{"s5_bwd_du", d.B * d.T * d.H, []any{pdu, pdy, pdv, in[5], in[6], in[9], B, T, H, P}},
			{"s5_bwd_c", d.H * d.P, []any{gp[5], gp[6], gp[7], pdy, pxs, pu, B, T, H, P}},
			{"s5_bwd_b", d.P * d.H, []any{gp[3], gp[4], pdv, pu, B, T, H, P}},
			{"s5_bwd_lambda", d.P, []any{gp[0], gp[1], gp[2], part, B, P}},
		}
		for _, s := range steps {
			if err := dv.launch(s.k, s.n, s.args...); err != nil {
				return err
			}
		}
		if err := dv.sync("S5Backward"); err != nil {
			return err
		}
		if err := dv.download(pdu, du, "s5 du"); err != nil {
			return err
		}
		for i, s := range gs {
			if err := dv.download(gp[i], s, fmt.Sprintf("s5 gradient %d", i)); err != nil {
				return err
			}
		}
		return nil
	})
}

var mambaNames = []string{"mamba.x", "mamba.dtRaw", "mamba.Bm", "mamba.Cm", "mamba.aLog", "mamba.D"}

// MambaForward runs the selective scan on the GPU over host slices.
func (dv *Device) MambaForward(d kernels.MambaDims, in kernels.MambaIn, y, hs []float32) error {
	if err := checkMamba(d, in, y, hs); err != nil {
		return err
	}
	return dv.do(func() error {
		p, err := dv.uploadAll(mambaNames, in.X, in.DtRaw, in.Bm, in.Cm, in.ALog, in.D)
		if err != nil {
			return err
		}
		py, err := dv.buf("mamba.y", len(y))
		if err != nil {
			return err
		}
		phs, err := dv.buf("mamba.hs", kernels.MambaCacheLen(d))
		if err != nil {
			return err
		}
		B, T, E, N := int64(d.B), int64(d.T), int64(d.E), int64(d.N)
		if err := dv.launch("mamba_fwd", d.B*d.E, py, phs, p[0], p[1], p[2], p[3], p[4], p[5], B, T, E, N); err != nil {
			return err
		}
		if err := dv.sync("MambaForward"); err != nil {
			return err
		}
		if err := dv.download(py, y, "mamba y"); err != nil {
			return err
		}
		return dv.download(phs, hs, "mamba hs")
	})
}

// MambaBackward runs the selective-scan backward on the GPU, accumulating into g.
func (dv *Device) MambaBackward(d kernels.MambaDims, in kernels.MambaIn, hs, dy []float32, g kernels.MambaIn) error {
	if err := checkMamba(d, in, dy, hs); err != nil {
		return err
	}
	if err := checkMamba(d, g, dy, hs); err != nil {
		return fmt.Errorf("gradients: %w", err)
	}
	return dv.do(func() error {
		p, err := dv.uploadAll(mambaNames, in.X, in.DtRaw, in.Bm, in.Cm, in.ALog, in.D)
		if err != nil {
			return err
		}
		ex, err := dv.uploadAll([]string{"mamba.hs", "mamba.dy"}, hs, dy)
		if err != nil {
			return err
		}
		gs := [][]float32{g.X, g.DtRaw, g.Bm, g.Cm, g.ALog, g.D}
		gp, err := dv.uploadAll([]string{"mamba.gX", "mamba.gDt", "mamba.gBm", "mamba.gCm", "mamba.gALog", "mamba.gD"}, gs...)
		if err != nil {
			return err
		}
		gh, err := dv.buf("mamba.gh", d.B*d.E*d.N)
		if err != nil {
			return err
		}
		G, err := dv.buf("mamba.G", kernels.MambaCacheLen(d))
		if err != nil {
			return err
		}
		B, T, E, N := int64(d.B), int64(d.T), int64(d.E), int64(d.N)
		phs, pdy := ex[0], ex[1]
		steps := []struct {
			k    string
			n    int
			args []any
		}{
			{"mamba_bwd_scan", d.B * d.E, []any{gp[0], gp[1], gh, G, phs, pdy, p[0], p[1], p[2], p[3], p[4], p[5], B, T, E, N}},
			{"mamba_bwd_bc", d.B * d.T * d.N, []any{gp[2], gp[3], G, phs, pdy, p[0], p[1], B, T, E, N}},
			{"mamba_bwd_a", d.E * d.N, []any{gp[4], gp[5], G, phs, pdy, p[0], p[1], p[4], B, T, E, N}},
		}
		for _, s := range steps {
			if err := dv.launch(s.k, s.n, s.args...); err != nil {
				return err
			}
		}
		if err := dv.sync("MambaBackward"); err != nil {
			return err
		}
		for i, s := range gs {
			if err := dv.download(gp[i], s, fmt.Sprintf("mamba gradient %d", i)); err != nil {
				return err
			}
		}
		return nil
	})
}
