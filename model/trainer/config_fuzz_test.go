package trainer_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/recpipe/recpipe/model/all"
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/trainer"
)

// FuzzParseConfig: any YAML and override either fails with ErrConfig (or as an unknown
// model) or gives a config whose saved YAML parses back to the same bytes, so a run
// is named by what it trained with. Seeds: configs/*.yaml and
// testdata/fuzz/FuzzParseConfig.
func FuzzParseConfig(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join("..", "..", "configs", "*.yaml"))
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, "train.lr=0.002")
	}
	f.Add([]byte("model: ncf\ndataset: d\nnet: {tower: [8, -1]}\n"), "net.tower=[64,32,16]")
	f.Add([]byte("model: ss4rec\ndataset: d\ntrain: {epochs: 0}\n"), "seed=7")
	f.Add([]byte("a: &a [*a]\n"), "x")
	f.Fuzz(func(t *testing.T, file []byte, override string) {
		var overrides []string
		if override != "" {
			overrides = []string{override}
		}
		c, err := trainer.ParseConfig(file, "", overrides)
		if err != nil {
			if !errors.Is(err, trainer.ErrConfig) && !errors.Is(err, scoring.ErrUnknownModel) {
				t.Fatalf("ParseConfig(%q, %q): %v is neither ErrConfig nor ErrUnknownModel", file, override, err)
			}
			return
		}
		saved, err := c.YAML()
		if err != nil {
			t.Fatalf("YAML of %+v: %v", c, err)
		}
		again, err := trainer.ParseConfig(saved, "", nil)
		if err != nil {
			t.Fatalf("the saved config %q does not parse: %v", saved, err)
		}
		if resaved, _ := again.YAML(); !bytes.Equal(saved, resaved) {
			t.Fatalf("saved config %q parses to %q", saved, resaved)
		}
	})
}
