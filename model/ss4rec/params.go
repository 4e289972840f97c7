package ss4rec

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/recpipe/recpipe/model/kernels"
	"github.com/recpipe/recpipe/model/trainer"
)

// param is the trainer's parameter type: the trainer updates Value in place.
type param = trainer.Param

// block holds one S5 + Mamba block's parameters.
type block struct {
	s5W, s5G   kernels.S5Params // views of the S5 params' Value and Grad
	ln1g, ln1b *param
	winX, winZ *param // [H×E]
	convW      *param // [E×K]
	convB      *param // [E]
	wxdt       *param // [E×R]
	wxb, wxc   *param // [E×N]
	wdt        *param // [R×E]
	bdt        *param // [E]
	aLog, dm   *param // [E×N], [E]
	wout       *param // [E×H]
	ln2g, ln2b *param
}

const convK = 4

// net is the network's parameters.
type net struct {
	cfg        Net
	mu         float32 // global mean of the training ratings
	nItems     int     // real items; table rows: 0 = padding, 1..nItems, nItems+1 = unknown
	itemEmb    *param  // sparse [(nItems+2)×H], tied input and output embedding
	itemBias   *param  // sparse [(nItems+2)×1]
	rateEmb    *param  // [11×H]: row 0 unused (padding), 1..10 = rating·2
	wu, bu, wb *param  // head: [H×H], [H], [H]
	blocks     []block
	params     []*param
}

func (n *net) add(p *param) *param { n.params = append(n.params, p); return p }

func (n *net) dense(name string, shape ...int) *param {
	return n.add(trainer.NewParam(name, false, shape...))
}

// ssm adds an S5 dynamics tensor (Λ, step): its own learning rate, no weight decay.
func (n *net) ssm(name string, shape ...int) *param {
	p := n.dense(name, shape...)
	if s := n.cfg.SSMLRScale; s > 0 { // zero: a decoded model written before the field
		p.LRScale = s
	}
	p.NoDecay = true
	return p
}

func normalFill(r *rand.Rand, s []float32, std float64) {
	for i := range s {
		s[i] = float32(r.NormFloat64() * std)
	}
}

func uniformFill(r *rand.Rand, s []float32, lim float64) {
	for i := range s {
		s[i] = float32((r.Float64()*2 - 1) * lim)
	}
}

func fill(s []float32, v float32) {
	for i := range s {
		s[i] = v
	}
}

// newNet allocates the network for nItems real items; init fills it from seed.
// Params() order is fixed by this function.
func newNet(cfg Net, nItems int) *net {
	H, P, E, N, R := cfg.Dim, cfg.S5States, cfg.e(), cfg.MambaN, cfg.dtRank()
	n := &net{cfg: cfg, nItems: nItems}
	rows := nItems + 2
	n.itemEmb = n.add(trainer.NewParam("item_emb", true, rows, H))
	n.itemBias = n.add(trainer.NewParam("item_bias", true, rows, 1))
	n.rateEmb = n.dense("rating_emb", 11, H)
	n.wu, n.bu, n.wb = n.dense("head.w_u", H, H), n.dense("head.b_u", H), n.dense("head.w_b", H)
	for l := range cfg.Blocks {
		var b block
		pre := "block" + strconv.Itoa(l) + "."
		if !cfg.MambaOnly {
			ps := []*param{
				n.ssm(pre+"s5.log_a", P), n.ssm(pre+"s5.im_a", P), n.ssm(pre+"s5.log_step", P),
				n.dense(pre+"s5.b_re", P, H), n.dense(pre+"s5.b_im", P, H),
				n.dense(pre+"s5.c_re", H, P), n.dense(pre+"s5.c_im", H, P), n.dense(pre+"s5.d", H),
			}
			b.s5W = kernels.S5Params{LogA: ps[0].Value, ImA: ps[1].Value, LogStep: ps[2].Value, BRe: ps[3].Value,
				BIm: ps[4].Value, CRe: ps[5].Value, CIm: ps[6].Value, D: ps[7].Value}
			b.s5G = kernels.S5Params{LogA: ps[0].Grad, ImA: ps[1].Grad, LogStep: ps[2].Grad, BRe: ps[3].Grad,
				BIm: ps[4].Grad, CRe: ps[5].Grad, CIm: ps[6].Grad, D: ps[7].Grad}
			b.ln1g, b.ln1b = n.dense(pre+"ln1.gamma", H), n.dense(pre+"ln1.beta", H)
		}
		if !cfg.S5Only {
			b.winX, b.winZ = n.dense(pre+"mamba.w_in_x", H, E), n.dense(pre+"mamba.w_in_z", H, E)
			b.convW, b.convB = n.dense(pre+"mamba.conv_w", E, convK), n.dense(pre+"mamba.conv_b", E)
			b.wxdt = n.dense(pre+"mamba.w_x_dt", E, R)
			b.wxb, b.wxc = n.dense(pre+"mamba.w_x_b", E, N), n.dense(pre+"mamba.w_x_c", E, N)
			b.wdt, b.bdt = n.dense(pre+"mamba.w_dt", R, E), n.dense(pre+"mamba.b_dt", E)
			b.aLog, b.dm = n.dense(pre+"mamba.a_log", E, N), n.dense(pre+"mamba.d", E)
			b.wout = n.dense(pre+"mamba.w_out", E, H)
			b.ln2g, b.ln2b = n.dense(pre+"ln2.gamma", H), n.dense(pre+"ln2.beta", H)
		}
		n.blocks = append(n.blocks, b)
	}
	return n
}

// init sets the initial values from seed. Padding and unknown rows stay zero.
func (n *net) init(seed uint64) {
	cfg := n.cfg
	r := rand.New(rand.NewPCG(seed, 0x55a4))
	H, P, E, N, R := cfg.Dim, cfg.S5States, cfg.e(), cfg.MambaN, cfg.dtRank()
	normalFill(r, n.itemEmb.Value[H:(n.nItems+1)*H], 0.05)
	normalFill(r, n.rateEmb.Value[H:], 0.5)
	normalFill(r, n.wu.Value, 1/math.Sqrt(float64(H)))
	for _, b := range n.blocks {
		if !cfg.MambaOnly {
			for q := range P {
				b.s5W.LogA[q] = float32(math.Log(0.5))
				b.s5W.ImA[q] = 0 // real decays to start (S4D-Real); Im Λ trains
				// steps log-uniform in [dt_min, dt_max] per unit of τ (S5's default range 0.001–0.1)
				b.s5W.LogStep[q] = float32(math.Log(cfg.DtMin) + r.Float64()*(math.Log(cfg.DtMax)-math.Log(cfg.DtMin)))
			}
			normalFill(r, b.s5W.BRe, 1/math.Sqrt(float64(2*H)))
			normalFill(r, b.s5W.BIm, 1/math.Sqrt(float64(2*H)))
			normalFill(r, b.s5W.CRe, 1/math.Sqrt(float64(2*P)))
			normalFill(r, b.s5W.CIm, 1/math.Sqrt(float64(2*P)))
			normalFill(r, b.s5W.D, 0.1)
			fill(b.ln1g.Value, 1)
		}
		if !cfg.S5Only {
			normalFill(r, b.winX.Value, 1/math.Sqrt(float64(H)))
			normalFill(r, b.winZ.Value, 1/math.Sqrt(float64(H)))
			uniformFill(r, b.convW.Value, 1/math.Sqrt(convK))
			for _, p := range []*param{b.wxdt, b.wxb, b.wxc} {
				normalFill(r, p.Value, 1/math.Sqrt(float64(E)))
			}
			uniformFill(r, b.wdt.Value, 1/math.Sqrt(float64(R)))
			for e := range E {
				dt := math.Exp(math.Log(1e-3) + r.Float64()*(math.Log(0.1)-math.Log(1e-3)))
				b.bdt.Value[e] = float32(dt + math.Log(-math.Expm1(-dt))) // softplus⁻¹(dt)
				for k := range N {
					b.aLog.Value[e*N+k] = float32(math.Log(float64(k + 1))) // S4D-real A = −(k+1)
				}
			}
			fill(b.dm.Value, 1)
			normalFill(r, b.wout.Value, 1/math.Sqrt(float64(E*2*cfg.Blocks)))
			fill(b.ln2g.Value, 1)
		}
	}
}
