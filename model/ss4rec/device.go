package ss4rec

import (
	"strconv"
	"strings"

	"github.com/recpipe/recpipe/model/trainer"
)

// Parts is what a training step resident on a device (package accel) needs of the
// net: its sizes and switches and its tensors (the Model's own Params).
type Parts struct {
	Dim, S5States, E, MambaN, DtRank, ConvK int
	S5, Mamba                               bool    // which layers each block has
	InputPerTime                            bool    // the S5 input is divided by τ (Net.InputPerTime)
	Dropout                                 float32 // the training dropout rate
	Mu                                      float32 // the global mean rating of the head
	ItemEmb, ItemBias, RateEmb              *trainer.Param
	WU, BU, WB                              *trainer.Param
	Blocks                                  []BlockParts
}

// BlockParts are one block's tensors (nil for a layer the block does not have).
type BlockParts struct {
	S5                 []*trainer.Param // log_a, im_a, log_step, b_re, b_im, c_re, c_im, d
	LN1Gamma, LN1Beta  *trainer.Param
	WInX, WInZ         *trainer.Param
	ConvW, ConvB       *trainer.Param
	WXDt, WXB, WXC     *trainer.Param
	WDt, BDt, ALog, DM *trainer.Param
	WOut               *trainer.Param
	LN2Gamma, LN2Beta  *trainer.Param
}

// Parts returns the model's parts (the tensors are the model's own).
func (m *Model) Parts() Parts {
	n, c := m.net, m.cfg
	p := Parts{Dim: c.Dim, S5States: c.S5States, E: c.e(), MambaN: c.MambaN, DtRank: c.dtRank(), ConvK: convK,
		S5: !c.MambaOnly, Mamba: !c.S5Only, InputPerTime: c.InputPerTime, Dropout: c.Dropout, Mu: n.mu,
		ItemEmb: n.itemEmb, ItemBias: n.itemBias, RateEmb: n.rateEmb, WU: n.wu, BU: n.bu, WB: n.wb}
	for l, b := range n.blocks {
		bp := BlockParts{LN1Gamma: b.ln1g, LN1Beta: b.ln1b, WInX: b.winX, WInZ: b.winZ, ConvW: b.convW, ConvB: b.convB,
			WXDt: b.wxdt, WXB: b.wxb, WXC: b.wxc, WDt: b.wdt, BDt: b.bdt, ALog: b.aLog, DM: b.dm, WOut: b.wout,
			LN2Gamma: b.ln2g, LN2Beta: b.ln2b}
		pre := "block" + strconv.Itoa(l) + ".s5."
		for _, q := range n.params { // the block's eight S5 params, in Params order (as buildGraph)
			if strings.HasPrefix(q.Name, pre) {
				bp.S5 = append(bp.S5, q)
			}
		}
		p.Blocks = append(p.Blocks, bp)
	}
	return p
}

// DropoutStream is the second PCG seed of the dropout masks of a training step
// (graphStep's rand.NewPCG(b.Seed, DropoutStream)); the masks are drawn mask after
// mask, element after element, one Float32 each.
const DropoutStream = 0xd0

// DeviceBatch is a training batch's indices as the device step consumes them: Windows
// windows padded to T positions, each position's item row and rating index, and per
// target the row predicting it and its item row (the gaps and target ratings are in
// DeviceWindows, resident on the device).
type DeviceBatch struct {
	Windows, T   int
	Items, Rates []int32
	TRow, TItem  []int32
}

// DeviceBatch assembles the windows of b as Step does (the slices are reused by the
// next call).
func (m *Model) DeviceBatch(b trainer.Batch) DeviceBatch {
	m.loadBatch(b)
	x := &m.b
	rates := make([]int32, len(x.rates))
	for i, r := range x.rates {
		rates[i] = int32(r)
	}
	return DeviceBatch{Windows: x.nb, T: x.T, Items: x.items, Rates: rates, TRow: x.tRow, TItem: x.tItem}
}

// DeviceWindows is every training window's gaps and target ratings, concatenated in
// window order: what a device step keeps resident, so that a batch sends only indices.
// Window w's gaps are Tau[TauOff[w]:TauOff[w+1]] (its positions, unpadded) and its
// targets' ratings Ratings[RatingOff[w]:RatingOff[w+1]], in DeviceBatch's target order.
type DeviceWindows struct {
	TauOff, RatingOff []int32
	Tau, Ratings      []float32
}

// DeviceWindows returns the training windows' gaps and target ratings.
func (m *Model) DeviceWindows() DeviceWindows {
	d := DeviceWindows{TauOff: []int32{0}, RatingOff: []int32{0}}
	for i := range m.windows.len() {
		w := m.windows.at(i)
		d.Tau = append(d.Tau, w.tau...)
		for _, r := range w.tRates {
			d.Ratings = append(d.Ratings, float32(r)/2)
		}
		d.TauOff = append(d.TauOff, int32(len(d.Tau)))
		d.RatingOff = append(d.RatingOff, int32(len(d.Ratings)))
	}
	return d
}
