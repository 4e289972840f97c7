package results

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/schemas"
)

// ablationsDoc is an ablations document whose full model beats the time-blind one on
// validation by more than the seeds' spread (full 0.850/0.852/0.848 against 0.860 ± 0.001)
// and ties it on test.
func ablationsDoc() *Ablations {
	run := func(seed uint64, val, test float64) AblationRun {
		return AblationRun{Seed: seed, ValRMSE: val, TestRMSE: test, TestRMSENew: test - 0.01, TestRMSEReturning: test + 0.05}
	}
	return &Ablations{Schema: AblationsSchema, Command: "scripts/ss4rec-ablations.sh", Dataset: "ml-latest-small",
		Config: "configs/ss4rec.yaml", Seeds: []uint64{1, 2, 3},
		Variants: []AblationVariant{
			{Name: "full", Runs: []AblationRun{run(1, 0.850, 0.840), run(2, 0.852, 0.850), run(3, 0.848, 0.830)}},
			{Name: "S5-only", Sets: []string{"net.s5_only=true"}, Runs: []AblationRun{run(1, 0.87, 0.86), run(2, 0.87, 0.86), run(3, 0.87, 0.86)}},
			{Name: "time-blind", Sets: []string{"net.time_blind=true"}, Runs: []AblationRun{run(1, 0.859, 0.842), run(2, 0.860, 0.838), run(3, 0.861, 0.840)}},
		},
		Baseline: AblationRun{ValRMSE: 0.884, TestRMSE: 0.877, TestRMSENew: 0.873, TestRMSEReturning: 0.923}}
}

func TestAblationsInResults(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ablations.json")
	data, err := blob.MarshalJSON(ablationsDoc())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Build(context.Background(), runBucket(t, layout.Days, 0.884))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.AddAblations(path, "docs/ss4rec-ablations.json"); err != nil {
		t.Fatal(err)
	}
	if last := d.Sources[len(d.Sources)-1]; last.Key != "docs/ss4rec-ablations.json" || last.Bytes != len(data) {
		t.Errorf("the ablations are not among the sources: %+v", last)
	}
	enc, err := Encode(d)
	if err != nil {
		t.Fatal(err)
	}
	if err := schemas.Validate(enc); err != nil {
		t.Fatal(err)
	}
	if tb := string(AblationsTable(ablationsDoc(), true)); !strings.Contains(tb, "| history-aware bias | (fitted on train) | 0.8840 | 0.8770 | 0.8730 | 0.9230 |") {
		t.Errorf("the table with the baseline lacks its row:\n%s", tb)
	}
	md := string(Markdown(d))
	for _, s := range []string{
		"| full | — | 0.8500 ± 0.0020 | 0.8400 ± 0.0100 | 0.8300 ± 0.0100 | 0.8900 ± 0.0100 |",
		"| time-blind | `net.time_blind=true` | 0.8600 ± 0.0010 |",
		"validation RMSE 0.8500 (time-aware) vs 0.8600 (time-blind), difference -0.0100, 2 s.e. 0.0026: time-aware better",
		"test RMSE 0.8400 (time-aware) vs 0.8400 (time-blind), difference +0.0000, 2 s.e. 0.0118: no difference beyond the seeds' spread",
		"Validation-best variant: full.",
	} {
		if !strings.Contains(md, s) {
			t.Errorf("results.md lacks %q:\n%s", s, md)
		}
	}
}

func TestAblationsRefused(t *testing.T) {
	d, err := Build(context.Background(), runBucket(t, layout.Days, 0.884))
	if err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(a *Ablations){
		"a seed short":  func(a *Ablations) { a.Variants[1].Runs = a.Variants[1].Runs[:2] },
		"no full":       func(a *Ablations) { a.Variants = a.Variants[1:] },
		"other dataset": func(a *Ablations) { a.Dataset = "ml-1m" },
		"other schema":  func(a *Ablations) { a.Schema = "x/v0" },
	} {
		a := ablationsDoc()
		edit(a)
		data, err := blob.MarshalJSON(a)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "a.json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := d.AddAblations(path, "a.json"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
