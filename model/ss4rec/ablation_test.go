package ss4rec_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/internal/results"
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/trainer"
)

// ablations are the variants of the committed config that TestAblationsMovieLens
// trains. Each sets all three switches, so that a variant is the same model whatever
// the committed config's switches are.
var ablations = []struct {
	name string
	sets []string
}{
	{"full", switches(false, false, false)},
	{"S5-only", switches(true, false, false)},
	{"Mamba-only", switches(false, true, false)},
	{"time-blind", switches(false, false, true)},
}

func switches(s5Only, mambaOnly, timeBlind bool) []string {
	return []string{fmt.Sprintf("net.s5_only=%v", s5Only), fmt.Sprintf("net.mamba_only=%v", mambaOnly), fmt.Sprintf("net.time_blind=%v", timeBlind)}
}

// The committed config is the validation-best variant of the committed ablations
// (docs/ss4rec-ablations.json): its switches are that variant's.
func TestCommittedConfigIsValidationBest(t *testing.T) {
	a, err := results.ReadAblations("../../docs/ss4rec-ablations.json")
	if err != nil {
		t.Fatalf("%v (scripts/ss4rec-ablations.sh writes it)", err)
	}
	best := a.ValidationBest()
	var want []string
	for _, ab := range ablations {
		if ab.name == best.Name {
			want = ab.sets
		}
	}
	if want == nil {
		t.Fatalf("validation-best variant %q is not one of the ablations", best.Name)
	}
	file, err := os.ReadFile("../../configs/ss4rec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	committed, err := trainer.ParseConfig(file, "ss4rec", nil)
	if err != nil {
		t.Fatal(err)
	}
	variant, err := trainer.ParseConfig(file, "ss4rec", want)
	if err != nil {
		t.Fatal(err)
	}
	cy, err := committed.YAML()
	if err != nil {
		t.Fatal(err)
	}
	vy, err := variant.YAML()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cy, vy) {
		t.Errorf("configs/ss4rec.yaml is not the validation-best variant %s (%v) of docs/ss4rec-ablations.json", best.Name, want)
	}
}

// userSplit is the RMSE of a split's rows of users with a rating before the cutoff
// (returning: a row in train or validation, abtest's segments) and of the others
// (new), and of all of them.
type userSplit struct{ all, returning, new float64 }

func splitByUser(pred []float32, rows []ratings.Rating, seen map[int32]bool) userSplit {
	var se [3]float64
	var n [3]int
	for i, r := range rows {
		d := float64(pred[i]) - float64(r.Rating)
		g := 2
		if seen[r.User] {
			g = 1
		}
		se[0], n[0] = se[0]+d*d, n[0]+1
		se[g], n[g] = se[g]+d*d, n[g]+1
	}
	rm := func(k int) float64 { return math.Sqrt(se[k] / math.Max(1, float64(n[k]))) }
	return userSplit{rm(0), rm(1), rm(2)}
}

// TestAblationsMovieLens trains the committed SS4Rec config and its ablations (full,
// S5-only, Mamba-only, time-blind) with several seeds on a prepared dataset and prints
// the mean ± sd of validation and test RMSE, overall and for returning and new users,
// as a markdown table (docs/results.md holds the last one). Tens of minutes of CPU:
// SS4REC_ABLATIONS=1 SS4REC_PREPARED=<dir with train/val/test.csv>; SS4REC_SEEDS
// (default 1,2,3); SS4REC_ABLATIONS_OUT writes the table to a file;
// scripts/ss4rec-ablations.sh runs it.
func TestAblationsMovieLens(t *testing.T) {
	dir := os.Getenv("SS4REC_PREPARED")
	if os.Getenv("SS4REC_ABLATIONS") == "" || dir == "" {
		t.Skip("SS4REC_ABLATIONS and SS4REC_PREPARED not set (tens of minutes of CPU)")
	}
	read := func(name string) []ratings.Rating {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := ratings.ReadAll(f, name)
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	data := &trainer.Data{Train: read("train.csv"), Val: read("val.csv"), Test: read("test.csv")}
	seen := map[int32]bool{}
	for _, r := range append(slices.Clone(data.Train), data.Val...) {
		seen[r.User] = true
	}
	file, err := os.ReadFile("../../configs/ss4rec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	seeds := []uint64{1, 2, 3}
	if v := os.Getenv("SS4REC_SEEDS"); v != "" {
		seeds = nil
		for _, s := range strings.Split(v, ",") {
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				t.Fatalf("SS4REC_SEEDS: %v", err)
			}
			seeds = append(seeds, n)
		}
	}
	ctx := context.Background()
	valHist := scoring.NewHistory(data.Train, data.Val)
	testHist := scoring.NewHistory(data.Train, data.Val, data.Test)
	doc := &results.Ablations{Schema: results.AblationsSchema, Command: "scripts/ss4rec-ablations.sh",
		Dataset: filepath.Base(dir), Config: "configs/ss4rec.yaml", Seeds: seeds}
	run := func(v, te userSplit) results.AblationRun {
		return results.AblationRun{ValRMSE: v.all, TestRMSE: te.all, TestRMSENew: te.new, TestRMSEReturning: te.returning}
	}
	bases, _, err := scoring.TunedBaselines(ctx, data.Train, data.Val)
	if err != nil {
		t.Fatal(err)
	}
	hv, err := bases[2].Predict(ctx, valHist, data.Val)
	if err != nil {
		t.Fatal(err)
	}
	ht, err := bases[2].Predict(ctx, testHist, data.Test)
	if err != nil {
		t.Fatal(err)
	}
	doc.Baseline = run(splitByUser(hv, data.Val, seen), splitByUser(ht, data.Test, seen))
	for _, ab := range ablations {
		variant := results.AblationVariant{Name: ab.name, Sets: append([]string{}, ab.sets...)}
		for _, seed := range seeds {
			sets := append([]string{"seed=" + strconv.FormatUint(seed, 10)}, ab.sets...)
			cfg, err := trainer.ParseConfig(file, "ss4rec", sets)
			if err != nil {
				t.Fatal(err)
			}
			b := blob.NewMem()
			s, err := trainer.TrainRun(ctx, b, cfg, data, trainer.RunOptions{Log: quiet})
			if err != nil {
				t.Fatal(err)
			}
			p, err := scoring.Load(bytes.NewReader(modelBin(t, b, s)))
			if err != nil {
				t.Fatal(err)
			}
			vp, err := p.Predict(ctx, valHist, data.Val)
			if err != nil {
				t.Fatal(err)
			}
			tp, err := p.Predict(ctx, testHist, data.Test)
			if err != nil {
				t.Fatal(err)
			}
			r := run(splitByUser(vp, data.Val, seen), splitByUser(tp, data.Test, seen))
			r.Seed, r.Epochs, r.BestEpoch = seed, s.Epochs, s.BestEpoch
			variant.Runs = append(variant.Runs, r)
			t.Logf("%s seed %d: val %.4f test %.4f (returning %.4f, new %.4f), %d epochs, best %d",
				ab.name, seed, r.ValRMSE, r.TestRMSE, r.TestRMSEReturning, r.TestRMSENew, s.Epochs, s.BestEpoch)
		}
		doc.Variants = append(doc.Variants, variant)
	}
	t.Logf("%d seeds (%v), configs/ss4rec.yaml:\n%s", len(seeds), seeds, results.AblationsTable(doc, true))
	if p := os.Getenv("SS4REC_ABLATIONS_OUT"); p != "" {
		data, err := blob.MarshalJSON(doc)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
