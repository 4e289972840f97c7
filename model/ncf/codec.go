package ncf

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"

	"github.com/recpipe/recpipe/model"
)

// The payload of an NCF model.bin: one JSON line {"net", "users", "items"}, then,
// little-endian, the user ids and the item ids in row order (int32), then every
// parameter in Params() order as a uint32 length and its float32 values.

type header struct {
	Net   Net `json:"net"`
	Users int `json:"users"`
	Items int `json:"items"`
}

// Encode writes the model's payload.
func (m *NCF) Encode(w io.Writer) error {
	bw := bufio.NewWriter(w)
	h, err := json.Marshal(header{Net: m.net, Users: len(m.users), Items: len(m.items)})
	if err != nil {
		return err
	}
	bw.Write(append(h, '\n'))
	for _, ids := range []map[int32]int32{m.users, m.items} {
		byRow := make([]int32, len(ids))
		for id, r := range ids {
			byRow[r] = id
		}
		if err := binary.Write(bw, binary.LittleEndian, byRow); err != nil {
			return err
		}
	}
	if err := model.WriteParams(bw, m.params); err != nil {
		return err
	}
	return bw.Flush()
}

// Decode reads a payload written by Encode into a model ready to predict.
func Decode(r io.Reader) (*NCF, error) {
	br := bufio.NewReader(r)
	line, err := br.ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("ncf header: %w", err)
	}
	var h header
	if err := json.Unmarshal(line, &h); err != nil {
		return nil, fmt.Errorf("ncf header: %w", err)
	}
	if err := h.Net.validate(); err != nil {
		return nil, err
	}
	if h.Users < 0 || h.Items < 0 || h.Users > 1<<28 || h.Items > 1<<28 {
		return nil, fmt.Errorf("ncf header: %d users, %d items out of range", h.Users, h.Items)
	}
	m := &NCF{net: h.Net, users: map[int32]int32{}, items: map[int32]int32{}, graphs: map[int]*graph{}}
	for _, v := range []struct {
		ids map[int32]int32
		n   int
	}{{m.users, h.Users}, {m.items, h.Items}} {
		byRow := make([]int32, v.n)
		if err := binary.Read(br, binary.LittleEndian, byRow); err != nil {
			return nil, fmt.Errorf("ncf ids: %w", err)
		}
		for r, id := range byRow {
			v.ids[id] = int32(r)
		}
	}
	m.alloc(h.Users, h.Items)
	if err := model.ReadParams(br, m.params); err != nil {
		return nil, fmt.Errorf("ncf: %w", err)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return nil, fmt.Errorf("ncf: trailing bytes after the parameters")
	}
	return m, nil
}
