package ncf

import "github.com/recpipe/recpipe/model/trainer"

// Parts are NCF's parameters by role and the row indices and ratings of its training
// rows: what a Step running elsewhere (package accel's device step) needs.
type Parts struct {
	Bias, UserBias, ItemBias         *trainer.Param
	UserGMF, ItemGMF                 *trainer.Param
	UserMLP, ItemMLP, W1User, W1Item *trainer.Param
	Tower                            []*trainer.Param // tower0_b, then each later layer's w and b
	OutGMF, OutMLP                   *trainer.Param
	Users, Items                     []int32 // the user and item row of each training row
	Ratings                          []float32
}

// Parts returns the model's parts (the slices are the model's own).
func (m *NCF) Parts() Parts {
	r := make([]float32, len(m.train))
	for k, row := range m.train {
		r[k] = row.Rating
	}
	return Parts{Bias: m.bias, UserBias: m.ub, ItemBias: m.ib, UserGMF: m.ug, ItemGMF: m.ig, UserMLP: m.um, ItemMLP: m.im,
		W1User: m.w1u, W1Item: m.w1i, Tower: m.layers, OutGMF: m.hg, OutMLP: m.hm, Users: m.tu, Items: m.ti, Ratings: r}
}
