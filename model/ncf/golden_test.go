package ncf

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/schemas"
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/trainer"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// The documents a run writes, for a fixed config and seed on synthetic rows, are
// byte-for-byte those in testdata/ (go test ./model/ncf -run Golden -update rewrites them).
func TestRunDocumentsGolden(t *testing.T) {
	ctx := context.Background()
	b := blob.NewMem()
	s, err := trainer.TrainRun(ctx, b, testConfig(t), testData(), trainer.RunOptions{Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := trainer.Promote(ctx, b, s); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{trainer.RunPrefix(Name, s.Run) + "summary.json", scoring.ChampionKey(Name)} {
		doc, err := blob.ReadAll(ctx, b, key)
		if err != nil {
			t.Fatal(err)
		}
		if err := schemas.Validate(doc); err != nil {
			t.Errorf("%s does not match its JSON Schema: %v", key, err)
		}
		broken := bytes.Replace(doc, []byte(`"model":`), []byte(`"modell":`), 1)
		if err := schemas.Validate(broken); err == nil {
			t.Errorf("%s without its model field passes its JSON Schema", key)
		}
	}
	for _, name := range []string{"config.yaml", "summary.json"} {
		got, err := blob.ReadAll(ctx, b, trainer.RunPrefix(Name, s.Run)+name)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", "run."+name)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s (rerun with -update if the change is intended):\n%s", name, path, got)
		}
	}
}
