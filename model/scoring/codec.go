package scoring

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync"
)

// The model.bin codec, one for every model. A model.bin is, in order:
//
//	"recpipe-model/v1 <name>\n"   the file header naming the model (Load picks its decoder by it)
//	one JSON line                  the model's header: its net section and table sizes, and a
//	                               "schema" naming the payload's version when the model has one
//	int32 tables                   little-endian, their lengths given by the header
//	the parameters                 per tensor a little-endian uint32 count, then that many float32s
//
// and nothing after the last parameter. The reader checks all of it: the file header,
// the schema, unknown header fields, table and tensor sizes, and trailing bytes; a
// violation is an error wrapping ErrBadModelFile.

// ErrUnknownModel: no model of that name is registered (import its package).
var ErrUnknownModel = errors.New("unknown model")

// ErrBadModelFile: a model.bin that breaks the format above.
var ErrBadModelFile = errors.New("not a model file")

// modelMagic starts every model.bin: "recpipe-model/v1 <name>\n", then the model's payload.
const modelMagic = "recpipe-model/v1 "

// Tensor is one parameter as the codec sees it: its name (for errors) and its values.
type Tensor struct {
	Name   string
	Values []float32
}

// Encoder is a model that can write its payload (the codec's sections after the file
// header, through WritePayload).
type Encoder interface {
	Name() string
	Encode(w io.Writer) error
}

// Decoder reads the payload of one model (through ReadPayload) into a Predictor.
type Decoder func(r io.Reader) (Predictor, error)

var (
	decMu    sync.RWMutex
	decoders = map[string]Decoder{}
)

// RegisterDecoder makes the model name loadable. It panics on a duplicate name.
func RegisterDecoder(name string, d Decoder) {
	decMu.Lock()
	defer decMu.Unlock()
	if _, dup := decoders[name]; dup {
		panic("scoring: duplicate decoder for " + name)
	}
	decoders[name] = d
}

// Decodable lists the model names Load can decode, sorted.
func Decodable() []string {
	decMu.RLock()
	defer decMu.RUnlock()
	out := make([]string, 0, len(decoders))
	for n := range decoders {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Save writes m as a model.bin: the file header naming its model, then its payload.
func Save(w io.Writer, m Encoder) error {
	if _, err := io.WriteString(w, modelMagic+m.Name()+"\n"); err != nil {
		return err
	}
	return m.Encode(w)
}

// Load decodes a model.bin of any model whose decoder is registered.
func Load(r io.Reader) (Predictor, error) {
	br := bufio.NewReader(r)
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, modelMagic) {
		return nil, fmt.Errorf("%w: missing %q header", ErrBadModelFile, strings.TrimSpace(modelMagic))
	}
	name := strings.TrimSpace(strings.TrimPrefix(line, modelMagic))
	decMu.RLock()
	dec, ok := decoders[name]
	decMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w %q (registered: %s)", ErrUnknownModel, name, strings.Join(Decodable(), ", "))
	}
	p, err := dec(br)
	if err != nil {
		return nil, fmt.Errorf("decode %s model: %w", name, err)
	}
	return p, nil
}

// WritePayload writes a model's payload: header as one JSON line, the tables, then
// the parameters.
func WritePayload(w io.Writer, header any, tables [][]int32, params []Tensor) error {
	bw := bufio.NewWriter(w)
	h, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("encode model header: %w", err)
	}
	bw.Write(append(h, '\n'))
	for _, t := range tables {
		if err := binary.Write(bw, binary.LittleEndian, t); err != nil {
			return err
		}
	}
	var buf []byte
	for _, p := range params {
		buf = binary.LittleEndian.AppendUint32(buf[:0], uint32(len(p.Values)))
		for _, v := range p.Values {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("write param %s: %w", p.Name, err)
		}
	}
	return bw.Flush()
}

// PayloadReader reads a payload section by section: ReadPayload has read the header;
// Tables and Params follow in that order.
type PayloadReader struct {
	br    *bufio.Reader
	model string
}

// ReadPayload reads the header line of model's payload into header, rejecting fields
// header does not have. When schema is not empty the header's "schema" must equal it.
func ReadPayload(r io.Reader, model, schema string, header any) (*PayloadReader, error) {
	br := bufio.NewReader(r)
	line, err := br.ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("%w: %s header: %v", ErrBadModelFile, model, err)
	}
	if schema != "" {
		var s struct {
			Schema string `json:"schema"`
		}
		if err := json.Unmarshal(line, &s); err != nil {
			return nil, fmt.Errorf("%w: %s header: %v", ErrBadModelFile, model, err)
		}
		if s.Schema != schema {
			return nil, fmt.Errorf("%w: %s schema %q, want %q", ErrBadModelFile, model, s.Schema, schema)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(header); err != nil {
		return nil, fmt.Errorf("%w: %s header: %v", ErrBadModelFile, model, err)
	}
	return &PayloadReader{br: br, model: model}, nil
}

// maxTable bounds a table's length (a header claiming more is damaged).
const maxTable = 1 << 28

// Tables reads int32 tables of the given lengths.
func (p *PayloadReader) Tables(lens ...int) ([][]int32, error) {
	out := make([][]int32, len(lens))
	for i, n := range lens {
		if n < 0 || n > maxTable {
			return nil, fmt.Errorf("%w: %s table %d: length %d out of range", ErrBadModelFile, p.model, i, n)
		}
		out[i] = make([]int32, n)
		if err := binary.Read(p.br, binary.LittleEndian, out[i]); err != nil {
			return nil, fmt.Errorf("%s table %d: %w", p.model, i, err)
		}
	}
	return out, nil
}

// Params reads the parameters into params, which must already have their sizes, and
// checks that nothing follows them. A count that differs from a tensor's size, or a
// byte after the last one, is an error wrapping ErrBadModelFile.
func (p *PayloadReader) Params(params []Tensor) error {
	var n [4]byte
	for _, t := range params {
		if _, err := io.ReadFull(p.br, n[:]); err != nil {
			return fmt.Errorf("%s param %s: %w", p.model, t.Name, err)
		}
		if got := binary.LittleEndian.Uint32(n[:]); int(got) != len(t.Values) {
			return fmt.Errorf("%w: %s param %s has %d values, want %d", ErrBadModelFile, p.model, t.Name, got, len(t.Values))
		}
		if err := binary.Read(p.br, binary.LittleEndian, t.Values); err != nil {
			return fmt.Errorf("%s param %s: %w", p.model, t.Name, err)
		}
	}
	if _, err := p.br.ReadByte(); err != io.EOF {
		return fmt.Errorf("%w: %s: trailing bytes after the parameters", ErrBadModelFile, p.model)
	}
	return nil
}
