package ss4rec

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"

	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/trainer"
)

func TestModelBinRoundTrip(t *testing.T) {
	t.Run("current", func(t *testing.T) { roundTrip(t, func(*Net) {}) })
	// A model.bin written before the time-input fields: its header lacks them, it
	// decodes, and it forms τ as it was trained (1 + log1p(hours), inputs as they are).
	t.Run("before_time_fields", func(t *testing.T) {
		roundTrip(t, func(c *Net) { c.Gap, c.DtMin, c.DtMax, c.InputPerTime, c.SSMLRScale = "", 0, 0, false, 0 })
	})
}

func roundTrip(t *testing.T, mod func(*Net)) {
	m, rows := tinyModel(t, func(*Net) {})
	mod(&m.cfg)
	mod(&m.net.cfg)
	var buf bytes.Buffer
	if err := scoring.Save(&buf, m); err != nil {
		t.Fatal(err)
	}
	first := bytes.Clone(buf.Bytes())
	p, err := scoring.Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != Name {
		t.Fatalf("loaded %q", p.Name())
	}
	hist := scoring.NewHistory(rows)
	want, err := m.Predict(context.Background(), hist, rows)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Predict(context.Background(), hist, rows)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("row %d: loaded model predicts %v, original %v", i, got[i], want[i])
		}
	}
	var again bytes.Buffer
	if err := scoring.Save(&again, p.(*Model)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, again.Bytes()) {
		t.Fatal("re-encoding a loaded model changed its bytes")
	}
}

func TestDecodeRejectsDamage(t *testing.T) {
	m, _ := tinyModel(t, func(*Net) {})
	var buf bytes.Buffer
	if err := m.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"truncated", data[:len(data)-3], nil},
		{"other schema", bytes.Replace(data, []byte(codecSchema), []byte("ss4rec-model/v9"), 1), scoring.ErrBadModelFile},
		{"bad net", bytes.Replace(data, []byte(`"blocks":2`), []byte(`"blocks":0`), 1), trainer.ErrConfig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(bytes.NewReader(tc.data))
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("got %v, want an error (%v)", err, tc.want)
			}
		})
	}
}

// The committed configs parse, and their net sections are valid.
func TestCommittedConfigs(t *testing.T) {
	for _, path := range []string{"../../configs/ss4rec.yaml", "../../configs/ss4rec-demo.yaml"} {
		t.Run(path, func(t *testing.T) {
			file, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := trainer.ParseConfig(file, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			net, ok := cfg.Net.(*Net)
			if cfg.Model != Name || !ok {
				t.Fatalf("model %q, net %T", cfg.Model, cfg.Net)
			}
			if err := net.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestNetValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Net)
	}{
		{"odd window", func(n *Net) { n.MaxSeqLen = 7 }},
		{"both ablations", func(n *Net) { n.S5Only, n.MambaOnly = true, true }},
		{"no states", func(n *Net) { n.S5States = 0 }},
		{"dropout 1", func(n *Net) { n.Dropout = 1 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := DefaultNet()
			tc.mod(n)
			if err := n.Validate(); !errors.Is(err, trainer.ErrConfig) {
				t.Fatalf("got %v, want ErrConfig", err)
			}
		})
	}
}
