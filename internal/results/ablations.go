package results

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/recpipe/recpipe/abtest"
)

// AblationsSchema names docs/ss4rec-ablations.json.
const AblationsSchema = "ss4rec-ablations/v1"

// Ablations is docs/ss4rec-ablations.json: SS4Rec's committed config and its
// ablations, each trained with several seeds on one prepared dataset and scored by
// the project's protocol (validation: history train+val; test: every test row with
// the history before it). scripts/ss4rec-ablations.sh writes it; make results quotes
// it (it is not recomputed there: twelve trainings would triple the run).
type Ablations struct {
	Schema   string            `json:"schema"`
	Command  string            `json:"command"`
	Dataset  string            `json:"dataset"`
	Config   string            `json:"config"`
	Seeds    []uint64          `json:"seeds"`
	Variants []AblationVariant `json:"variants"`
	// Baseline is the history-aware bias, fitted on train (no seed; tuned on validation
	// as scoring.TunedBaselines does since that change, with the default prior before).
	Baseline AblationRun `json:"baseline"`
}

// AblationVariant is one variant: the config overrides of the committed config
// (none for "full") and one run per seed.
type AblationVariant struct {
	Name string        `json:"name"`
	Sets []string      `json:"sets"`
	Runs []AblationRun `json:"runs"`
}

// AblationRun is one trained model's figures. Returning users had a rating before the
// test cutoff (a row in train or validation), new users none (abtest's segments);
// every validation row is a returning user's.
type AblationRun struct {
	Seed              uint64  `json:"seed,omitempty"`
	ValRMSE           float64 `json:"val_rmse"`
	TestRMSE          float64 `json:"test_rmse"`
	TestRMSENew       float64 `json:"test_rmse_new_users"`
	TestRMSEReturning float64 `json:"test_rmse_returning_users"`
	Epochs            int     `json:"epochs,omitempty"`
	BestEpoch         int     `json:"best_epoch,omitempty"`
}

// AddAblations quotes the ablations document at path (as written by
// scripts/ss4rec-ablations.sh) in d, and lists it with its checksum among d's sources
// under key.
func (d *Doc) AddAblations(path, key string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	a, err := decodeAblations(data, path)
	if err != nil {
		return err
	}
	if a.Dataset != d.Dataset {
		return fmt.Errorf("%s: ablations on %s, the results on %s", path, a.Dataset, d.Dataset)
	}
	sum := sha256.Sum256(data)
	d.Ablations = a
	d.Sources = append(d.Sources, abtest.Input{Key: key, SHA256: hex.EncodeToString(sum[:]), Bytes: len(data)})
	return nil
}

// ReadAblations reads and checks an ablations document.
func ReadAblations(path string) (*Ablations, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return decodeAblations(data, path)
}

func decodeAblations(data []byte, path string) (*Ablations, error) {
	var a Ablations
	if err := jsonStrict(data, &a); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if a.Schema != AblationsSchema {
		return nil, fmt.Errorf("%s: schema %q, want %q", path, a.Schema, AblationsSchema)
	}
	if len(a.Variants) == 0 || a.Variant("full") == nil {
		return nil, fmt.Errorf("%s: no variant named full", path)
	}
	for _, v := range a.Variants {
		if len(v.Runs) != len(a.Seeds) {
			return nil, fmt.Errorf("%s: variant %s has %d runs for %d seeds", path, v.Name, len(v.Runs), len(a.Seeds))
		}
	}
	return &a, nil
}

// Variant returns the variant of that name, or nil.
func (a *Ablations) Variant(name string) *AblationVariant {
	for i := range a.Variants {
		if a.Variants[i].Name == name {
			return &a.Variants[i]
		}
	}
	return nil
}

// MeanSD is the mean and sample standard deviation of one figure over a variant's runs.
func (v *AblationVariant) MeanSD(fig func(AblationRun) float64) (mean, sd float64) {
	for _, r := range v.Runs {
		mean += fig(r)
	}
	n := float64(len(v.Runs))
	mean /= n
	for _, r := range v.Runs {
		sd += (fig(r) - mean) * (fig(r) - mean)
	}
	if n > 1 {
		sd = math.Sqrt(sd / (n - 1))
	}
	return mean, sd
}

// AblationsTable renders the ablations as a markdown table: mean ± sd over the seeds
// of validation and test RMSE, the test split's new and returning users apart; with
// baseline, the ablation run's history-aware bias last.
func AblationsTable(a *Ablations, baseline bool) []byte {
	var b bytes.Buffer
	ms := func(v *AblationVariant, fig func(AblationRun) float64) string {
		m, sd := v.MeanSD(fig)
		return fmt.Sprintf("%.4f ± %.4f", m, sd)
	}
	fmt.Fprintf(&b, "| variant | overrides | val RMSE | test RMSE | test RMSE, new users | test RMSE, returning users |\n|---|---|---|---|---|---|\n")
	for i := range a.Variants {
		v := &a.Variants[i]
		sets := "—"
		if len(v.Sets) > 0 {
			sets = "`" + strings.Join(v.Sets, " ") + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", v.Name, sets, ms(v, valRMSE), ms(v, testRMSE),
			ms(v, func(r AblationRun) float64 { return r.TestRMSENew }), ms(v, func(r AblationRun) float64 { return r.TestRMSEReturning }))
	}
	if baseline {
		h := a.Baseline
		fmt.Fprintf(&b, "| history-aware bias | (fitted on train) | %.4f | %.4f | %.4f | %.4f |\n", h.ValRMSE, h.TestRMSE, h.TestRMSENew, h.TestRMSEReturning)
	}
	return b.Bytes()
}

func valRMSE(r AblationRun) float64  { return r.ValRMSE }
func testRMSE(r AblationRun) float64 { return r.TestRMSE }

// ValidationBest is the variant with the lowest mean validation RMSE.
func (a *Ablations) ValidationBest() *AblationVariant {
	var best *AblationVariant
	var bestM float64
	for i := range a.Variants {
		if m, _ := a.Variants[i].MeanSD(valRMSE); best == nil || m < bestM {
			best, bestM = &a.Variants[i], m
		}
	}
	return best
}

// TimeAwareness says in words what the time path adds: the full model against the
// time-blind one (every gap taken as zero), mean validation and test RMSE over the
// seeds, and whether the difference exceeds twice the standard error of the
// difference of the means (empty when there is no time-blind variant).
func (a *Ablations) TimeAwareness() string {
	full, blind := a.Variant("full"), a.Variant("time-blind")
	if full == nil || blind == nil {
		return ""
	}
	part := func(split string, fig func(AblationRun) float64) string {
		fm, fs := full.MeanSD(fig)
		bm, bs := blind.MeanSD(fig)
		se := math.Sqrt((fs*fs)/float64(len(full.Runs)) + (bs*bs)/float64(len(blind.Runs)))
		d := fm - bm
		var word string
		switch {
		case math.Abs(d) <= 2*se:
			word = "no difference beyond the seeds' spread"
		case d < 0:
			word = "time-aware better"
		default:
			word = "time-aware worse"
		}
		return fmt.Sprintf("%s RMSE %.4f (time-aware) vs %.4f (time-blind), difference %+.4f, 2 s.e. %.4f: %s", split, fm, bm, d, 2*se, word)
	}
	return part("validation", valRMSE) + "; " + part("test", testRMSE)
}
