package ss4rec

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"

	"github.com/recpipe/recpipe/model"
	"github.com/recpipe/recpipe/model/kernels"
)

// The payload of an SS4Rec model.bin: one JSON line {"schema","net","items","mean"},
// then, little-endian, the item ids in table-row order (int32, rows 1..items), then
// every parameter in Params() order as a uint32 length and its float32 values.
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
	bw := bufio.NewWriter(w)
	h, err := json.Marshal(header{Schema: codecSchema, Net: m.cfg, Items: len(m.vocab.ids), Mean: m.net.mu})
	if err != nil {
		return err
	}
	bw.Write(append(h, '\n'))
	if err := binary.Write(bw, binary.LittleEndian, m.vocab.ids); err != nil {
		return err
	}
	if err := model.WriteParams(bw, m.net.params); err != nil {
		return err
	}
	return bw.Flush()
}

// Decode reads a payload written by Encode into a model ready to predict.
func Decode(r io.Reader) (*Model, error) {
	br := bufio.NewReader(r)
	line, err := br.ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("ss4rec header: %w", err)
	}
	var h header
	if err := json.Unmarshal(line, &h); err != nil {
		return nil, fmt.Errorf("ss4rec header: %w", err)
	}
	if h.Schema != codecSchema {
		return nil, fmt.Errorf("%w: ss4rec schema %q, want %q", model.ErrBadModelFile, h.Schema, codecSchema)
	}
	if err := h.Net.Validate(); err != nil {
		return nil, err
	}
	if h.Items < 0 || h.Items > 1<<28 {
		return nil, fmt.Errorf("%w: ss4rec header: %d items out of range", model.ErrBadModelFile, h.Items)
	}
	ids := make([]int32, h.Items)
	if err := binary.Read(br, binary.LittleEndian, ids); err != nil {
		return nil, fmt.Errorf("ss4rec item ids: %w", err)
	}
	v := vocab{ids: ids, index: make(map[int32]int32, len(ids))}
	for i, id := range ids {
		v.index[id] = int32(i + 1)
	}
	n := newNet(h.Net, h.Items)
	n.mu = h.Mean
	if err := model.ReadParams(br, n.params); err != nil {
		return nil, fmt.Errorf("ss4rec: %w", err)
	}
	return &Model{cfg: h.Net, vocab: v, net: n, Backend: kernels.CPU{}}, nil
}
