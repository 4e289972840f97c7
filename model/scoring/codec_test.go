package scoring

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"testing"

	"github.com/recpipe/recpipe/internal/ratings"
)

// toyHeader is the header of toyModel's payload.
type toyHeader struct {
	Schema string `json:"schema,omitempty"`
	Items  int    `json:"items"`
}

// toyModel is the smallest model the codec carries: one table and two tensors.
type toyModel struct {
	schema string
	ids    []int32
	a, b   []float32
}

func (m *toyModel) Name() string { return "toy" }
func (m *toyModel) Predict(ctx context.Context, hist *History, rows []ratings.Rating) ([]float32, error) {
	return make([]float32, len(rows)), nil
}
func (m *toyModel) Encode(w io.Writer) error {
	return WritePayload(w, toyHeader{Schema: m.schema, Items: len(m.ids)}, [][]int32{m.ids},
		[]Tensor{{Name: "a", Values: m.a}, {Name: "b", Values: m.b}})
}

func decodeToy(schema string) Decoder {
	return func(r io.Reader) (Predictor, error) {
		var h toyHeader
		pr, err := ReadPayload(r, "toy", schema, &h)
		if err != nil {
			return nil, err
		}
		tabs, err := pr.Tables(h.Items)
		if err != nil {
			return nil, err
		}
		m := &toyModel{schema: h.Schema, ids: tabs[0], a: make([]float32, 6), b: make([]float32, 4)}
		if err := pr.Params([]Tensor{{Name: "a", Values: m.a}, {Name: "b", Values: m.b}}); err != nil {
			return nil, err
		}
		return m, nil
	}
}

func toyBytes(t *testing.T, schema string) []byte {
	t.Helper()
	m := &toyModel{schema: schema, ids: []int32{7, -3}, a: []float32{-2.5, -1.5, -0.5, 0.5, 1.5, 2.5},
		b: []float32{0, 1, 2, float32(math.Inf(-1))}}
	var buf bytes.Buffer
	if err := Save(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCodecRoundTrip(t *testing.T) {
	for _, schema := range []string{"", "toy-model/v1"} {
		data := toyBytes(t, schema)
		p, err := decodeToy(schema)(bytes.NewReader(data[len(modelMagic)+len("toy\n"):]))
		if err != nil {
			t.Fatalf("schema %q: %v", schema, err)
		}
		m := p.(*toyModel)
		if m.ids[0] != 7 || m.ids[1] != -3 || m.a[5] != 2.5 || !math.IsInf(float64(m.b[3]), -1) {
			t.Fatalf("schema %q: decoded %+v", schema, m)
		}
		var again bytes.Buffer
		if err := Save(&again, m); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.Bytes(), data) {
			t.Fatalf("schema %q: re-encoding changed the bytes", schema)
		}
	}
}

// Every check of the one codec, for a model with a schema and one without.
func TestCodecRejectsDamage(t *testing.T) {
	const schema = "toy-model/v1"
	withSchema, noSchema := toyBytes(t, schema), toyBytes(t, "")
	payload := func(b []byte) []byte { return b[len(modelMagic)+len("toy\n"):] }
	tests := []struct {
		name   string
		schema string
		data   []byte
	}{
		{"other schema", schema, bytes.Replace(payload(withSchema), []byte(schema), []byte("toy-model/v9"), 1)},
		{"missing schema", schema, payload(noSchema)},
		{"unknown header field", "", bytes.Replace(payload(noSchema), []byte(`"items"`), []byte(`"extra":1,"items"`), 1)},
		{"header not JSON", "", append([]byte("{items\n"), payload(noSchema)...)},
		{"table too long", "", bytes.Replace(payload(noSchema), []byte(`"items":2`), []byte(`"items":-1`), 1)},
		{"wrong tensor size", "", bytes.Replace(payload(noSchema), []byte{6, 0, 0, 0}, []byte{5, 0, 0, 0}, 1)},
		{"trailing bytes", "", append(payload(noSchema), 0)},
		{"truncated", "", payload(noSchema)[:len(payload(noSchema))-3]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeToy(tc.schema)(bytes.NewReader(tc.data))
			if err == nil {
				t.Fatal("decoded without error")
			}
			if tc.name != "truncated" && !errors.Is(err, ErrBadModelFile) {
				t.Fatalf("error %v does not wrap ErrBadModelFile", err)
			}
		})
	}
}

func TestLoadNamesTheModel(t *testing.T) {
	if _, err := Load(bytes.NewReader([]byte("not a model\n"))); !errors.Is(err, ErrBadModelFile) {
		t.Fatalf("no header: %v, want ErrBadModelFile", err)
	}
	if _, err := Load(bytes.NewReader(toyBytes(t, ""))); !errors.Is(err, ErrUnknownModel) {
		t.Fatalf("unregistered model: %v, want ErrUnknownModel", err)
	}
	RegisterDecoder("toy", decodeToy(""))
	p, err := Load(bytes.NewReader(toyBytes(t, "")))
	if err != nil || p.Name() != "toy" {
		t.Fatalf("Load = %v, %v", p, err)
	}
}
