package fetchresults

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
)

func TestFetchResults(t *testing.T) {
	ctx := context.Background()
	b := blob.NewMem()
	objects := map[string]bool{ // key: copied?
		"etl/status.json":                                     true,
		"etl/day=01/_manifest.json":                           true,
		"etl/day=01/batch.csv":                                false,
		layout.QualityReport(1):                               true,
		"abtest/day=01/result.json":                           true,
		"abtest/day=01/units.csv":                             false,
		"abtest/report.html":                                  true,
		"models/ncf/champion.json":                            false,
		"runs/ab-eval/20261126T1000.json":                     false,
		layout.ABCache("baselines", strings.Repeat("ab", 32)): false,
	}
	for k := range objects {
		if _, err := blob.PutBytes(ctx, b, k, []byte("{\"key\":\""+k+"\"}"), blob.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	dest := t.TempDir()
	n, err := Fetch(ctx, b, dest)
	if err != nil {
		t.Fatal(err)
	}
	if n.Objects != 5 || n.Written != 5 {
		t.Errorf("first fetch: %+v, want 5 objects, 5 written", n)
	}
	for k, copied := range objects {
		data, err := os.ReadFile(filepath.Join(dest, filepath.FromSlash(k)))
		switch {
		case copied && err != nil:
			t.Errorf("%s not fetched: %v", k, err)
		case copied && string(data) != "{\"key\":\""+k+"\"}":
			t.Errorf("%s fetched as %q", k, data)
		case !copied && !errors.Is(err, fs.ErrNotExist):
			t.Errorf("%s fetched, but it is not a result (err %v)", k, err)
		}
	}
	if n, err = Fetch(ctx, b, dest); err != nil || n.Written != 0 {
		t.Errorf("second fetch: %+v, %v; want nothing rewritten", n, err)
	}
}
