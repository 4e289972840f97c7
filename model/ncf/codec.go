package ncf

import (
	"io"

	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/trainer"
)

// The payload of an NCF model.bin (scoring's codec): the header {"net", "users",
// "items"}, the tables of user ids and of item ids in row order, then every parameter
// in Params() order.

type header struct {
	Net   Net `json:"net"`
	Users int `json:"users"`
	Items int `json:"items"`
}

// Encode writes the model's payload.
func (m *NCF) Encode(w io.Writer) error {
	tables := make([][]int32, 2)
	for i, ids := range []map[int32]int32{m.users, m.items} {
		tables[i] = make([]int32, len(ids))
		for id, r := range ids {
			tables[i][r] = id
		}
	}
	return scoring.WritePayload(w, header{Net: m.net, Users: len(m.users), Items: len(m.items)}, tables, trainer.Tensors(m.params))
}

// Decode reads a payload written by Encode into a model ready to predict. The NCF
// header has no schema field (the format predates it): a header with one, or with any
// other field it does not know, is rejected.
func Decode(r io.Reader) (*NCF, error) {
	var h header
	pr, err := scoring.ReadPayload(r, Name, "", &h)
	if err != nil {
		return nil, err
	}
	if err := h.Net.validate(); err != nil {
		return nil, err
	}
	tables, err := pr.Tables(h.Users, h.Items)
	if err != nil {
		return nil, err
	}
	m := &NCF{net: h.Net, users: map[int32]int32{}, items: map[int32]int32{}, graphs: map[int]*graph{}}
	for i, ids := range []map[int32]int32{m.users, m.items} {
		for r, id := range tables[i] {
			ids[id] = int32(r)
		}
	}
	m.alloc(h.Users, h.Items)
	if err := pr.Params(trainer.Tensors(m.params)); err != nil {
		return nil, err
	}
	return m, nil
}
