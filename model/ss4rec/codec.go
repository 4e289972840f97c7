package ss4rec

import (
	"io"

	"github.com/recpipe/recpipe/model/kernels"
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/trainer"
)

// The payload of an SS4Rec model.bin (scoring's codec): the header
// {"schema","net","items","mean"}, the table of item ids in table-row order (rows
// 1..items), then every parameter in Params() order.
// The bytes depend only on the parameters: the same model encodes identically.

const codecSchema = "ss4rec-model/v1"

type header struct {
	Schema string  `json:"schema"`
	Net    Net     `json:"net"`
	Items  int     `json:"items"`
	Mean   float32 `json:"mean"`
}

// Encode writes the model's payload.
func (m *Model) Encode(w io.Writer) error {
	return scoring.WritePayload(w, header{Schema: codecSchema, Net: m.cfg, Items: len(m.vocab.ids), Mean: m.net.mu},
		[][]int32{m.vocab.ids}, trainer.Tensors(m.net.params))
}

// Decode reads a payload written by Encode into a model ready to predict.
func Decode(r io.Reader) (*Model, error) {
	var h header
	pr, err := scoring.ReadPayload(r, Name, codecSchema, &h)
	if err != nil {
		return nil, err
	}
	if err := h.Net.validateDecoded(); err != nil {
		return nil, err
	}
	tables, err := pr.Tables(h.Items)
	if err != nil {
		return nil, err
	}
	ids := tables[0]
	v := vocab{ids: ids, index: make(map[int32]int32, len(ids))}
	for i, id := range ids {
		v.index[id] = int32(i + 1)
	}
	n := newNet(h.Net, h.Items)
	n.mu = h.Mean
	if err := pr.Params(trainer.Tensors(n.params)); err != nil {
		return nil, err
	}
	return &Model{cfg: h.Net, vocab: v, net: n, Backend: kernels.CPU{}}, nil
}
