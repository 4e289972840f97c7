package ss4rec

import (
	"math"

	"github.com/recpipe/recpipe/model/kernels"
)

// netState is the recurrent state of the whole network after some positions of one
// sequence: per block the S5 state, the convolution's last K−1 inputs and the
// selective-scan state. Inference advances it one position at a time; the result
// equals a forward pass over the window in evaluation mode (no dropout).
type netState struct {
	s5   [][]float64 // [2P]
	conv [][]float32 // [(K−1)·E], oldest first
	h    [][]float32 // [E·N]
}

func (n *net) newState() *netState {
	cfg := n.cfg
	st := &netState{}
	for range n.blocks {
		st.s5 = append(st.s5, make([]float64, 2*cfg.S5States))
		st.conv = append(st.conv, make([]float32, (convK-1)*cfg.e()))
		st.h = append(st.h, make([]float32, cfg.e()*cfg.MambaN))
	}
	return st
}

func (st *netState) copyFrom(o *netState) {
	for l := range o.s5 {
		copy(st.s5[l], o.s5[l])
		copy(st.conv[l], o.conv[l])
		copy(st.h[l], o.h[l])
	}
}

// stepScratch holds one step's temporaries.
type stepScratch struct {
	x, y, a, h, xi, z, xc, xs, dtl, dtr, bm, cm, ysc, m []float32
	u                                                   []float32 // the S5 input scaled per τ
}

func (n *net) newScratch() *stepScratch {
	H, E, N, R := n.cfg.Dim, n.cfg.e(), n.cfg.MambaN, n.cfg.dtRank()
	return &stepScratch{
		x: make([]float32, H), y: make([]float32, H), a: make([]float32, H), h: make([]float32, H),
		xi: make([]float32, E), z: make([]float32, E), xc: make([]float32, E), xs: make([]float32, E),
		dtl: make([]float32, R), dtr: make([]float32, E), bm: make([]float32, N), cm: make([]float32, N),
		ysc: make([]float32, E), m: make([]float32, H),
	}
}

// vecMat writes out = v·W for W [len(v)×len(out)] row-major.
func vecMat(out, v, w []float32) {
	n := len(out)
	clear(out)
	for i, x := range v {
		row := w[i*n : i*n+n]
		for j, c := range row {
			out[j] += x * c
		}
	}
}

// lnRow normalises one row.
func lnRow(y, x, gamma, beta []float32) {
	var mean, vr float64
	for _, v := range x {
		mean += float64(v)
	}
	mean /= float64(len(x))
	for _, v := range x {
		d := float64(v) - mean
		vr += d * d
	}
	rs := float32(1 / math.Sqrt(vr/float64(len(x))+lnEps))
	for i, v := range x {
		y[i] = (v-float32(mean))*rs*gamma[i] + beta[i]
	}
}

// lnRows writes lnRow of each of the rows of x [rows×H] into y, bit for bit, two
// rows at a time so that their in-order sums overlap.
func lnRows(y, x, gamma, beta []float32, rows, H int) {
	r := 0
	for ; r+2 <= rows; r += 2 {
		x0, x1 := x[r*H:][:H], x[(r+1)*H:][:H]
		var m0, m1, v0, v1 float64
		for i, a := range x0 {
			m0 += float64(a)
			m1 += float64(x1[i])
		}
		m0 /= float64(H)
		m1 /= float64(H)
		for i, a := range x0 {
			d0, d1 := float64(a)-m0, float64(x1[i])-m1
			v0 += d0 * d0
			v1 += d1 * d1
		}
		rs0 := float32(1 / math.Sqrt(v0/float64(H)+lnEps))
		rs1 := float32(1 / math.Sqrt(v1/float64(H)+lnEps))
		f0, f1 := float32(m0), float32(m1)
		y0, y1 := y[r*H:][:H], y[(r+1)*H:][:H]
		g, b := gamma[:H], beta[:H]
		for i, a := range x0 {
			y0[i] = (a-f0)*rs0*g[i] + b[i]
			y1[i] = (x1[i]-f1)*rs1*g[i] + b[i]
		}
	}
	for ; r < rows; r++ {
		lnRow(y[r*H:r*H+H], x[r*H:r*H+H], gamma, beta)
	}
}

// step advances st by one position (item row, rating index, gap τ) and returns the
// last block's output (valid until the next call with the same scratch).
// aNeg holds each block's A = −exp(a_log), computed once per Predict.
func (n *net) step(st *netState, sc *stepScratch, aNeg [][]float32, item int32, rate uint8, tau float32) []float32 {
	cfg := n.cfg
	H, E := cfg.Dim, cfg.e()
	x := sc.x
	copy(x, n.itemEmb.Value[int(item)*H:int(item)*H+H])
	for j, v := range n.rateEmb.Value[int(rate)*H : int(rate)*H+H] {
		x[j] += v
	}
	for l := range n.blocks {
		blk := &n.blocks[l]
		if !cfg.MambaOnly {
			u := x
			if scale := cfg.s5InScale(); scale != nil {
				sc.u = scaleRows(sc.u, x, []float32{tau}, H, scale)
				u = sc.u
			}
			kernels.S5Step(blk.s5W, st.s5[l], u, tau, sc.y)
			for j := range H {
				sc.a[j] = x[j] + sc.y[j]
			}
			lnRow(x, sc.a, blk.ln1g.Value, blk.ln1b.Value)
		}
		if !cfg.S5Only {
			copy(sc.h, x)
			vecMat(sc.xi, sc.h, blk.winX.Value)
			vecMat(sc.z, sc.h, blk.winZ.Value)
			cs := st.conv[l]
			for e := range E {
				s := blk.convB.Value[e]
				for k := 0; k < convK-1; k++ {
					s += blk.convW.Value[e*convK+k] * cs[k*E+e]
				}
				s += blk.convW.Value[e*convK+convK-1] * sc.xi[e]
				sc.xc[e] = s
				sc.xs[e] = silu(s)
			}
			copy(cs, cs[E:])
			copy(cs[(convK-2)*E:], sc.xi)
			vecMat(sc.dtl, sc.xs, blk.wxdt.Value)
			vecMat(sc.bm, sc.xs, blk.wxb.Value)
			vecMat(sc.cm, sc.xs, blk.wxc.Value)
			vecMat(sc.dtr, sc.dtl, blk.wdt.Value)
			for e, b := range blk.bdt.Value {
				sc.dtr[e] += b
			}
			kernels.MambaStep(st.h[l], sc.xs, sc.dtr, sc.bm, sc.cm, aNeg[l], blk.dm.Value, sc.ysc)
			for e := range E {
				sc.ysc[e] *= silu(sc.z[e])
			}
			vecMat(sc.m, sc.ysc, blk.wout.Value)
			for j := range H {
				sc.a[j] = sc.h[j] + sc.m[j]
			}
			lnRow(x, sc.a, blk.ln2g.Value, blk.ln2b.Value)
		}
	}
	return x
}

// head scores item row it from state o.
func (n *net) head(o, u []float32, it int32) float32 {
	H := n.cfg.Dim
	vecMat(u, o, n.wu.Value)
	e := n.itemEmb.Value[int(it)*H : int(it)*H+H]
	s := n.itemBias.Value[it]
	for j := range H {
		s += (u[j]+n.bu.Value[j])*e[j] + o[j]*n.wb.Value[j]
	}
	return n.mu + s
}
