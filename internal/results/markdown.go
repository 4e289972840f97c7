package results

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/recpipe/recpipe/abtest"
)

// shownMetrics are the metrics results.md tabulates (every one is in results.json).
var shownMetrics = []string{"rmse", "mae", "precision@10", "ndcg@10"}

// Markdown renders docs/results.md from the document.
func Markdown(d *Doc) []byte {
	var b bytes.Buffer
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("<!-- docs/results.md: written by `%s` from docs/results.json; do not edit. -->\n", d.Command)
	w("Every figure here comes from one run of `%s` on %s: prepare, train NCF and SS4Rec with the committed\n", d.Command, d.Dataset)
	w("configs (`configs/ncf.yaml`, `configs/ss4rec.yaml`), release the %d days, quality-check and A/B-evaluate them.\n", len(d.Feed.Days))
	w("`docs/results.json` holds every verdict and the checksums of the documents the figures were read from.\n\n")
	w("Split: train %s / val %s / test %s rows. The test rows are the feed: %s users, of whom %s.\n\n",
		thousands(d.Split.Train), thousands(d.Split.Val), thousands(d.Split.Test), thousands(d.Feed.Users), segmentCounts(d.Feed.Segments))

	w("| model | role | val RMSE | test RMSE | test RMSE, new users | test RMSE, returning users | test MAE |\n")
	w("|---|---|---|---|---|---|---|\n")
	for _, name := range modelOrder(d) {
		m := d.Models[name]
		w("| %s | %s | %s | %s | %s | %s | %s |\n", name, roleWords(m.Role), f4(m.ValRMSE), f4(m.TestRMSE), f4(m.TestRMSENew), f4(m.TestRMSEReturning), f4(m.TestMAE))
	}
	for _, name := range modelOrder(d) {
		if m := d.Models[name]; m.Role == abtest.RoleReference {
			arm := strings.TrimSuffix(name, abtest.FrozenSuffix)
			w("\n%s is served as deployed: after every day that passes its quality gate the retrain step refreshes it (fold-in of\n", arm)
			w("every user's validation and released ratings, item side frozen) and day d+1 is scored by the version of day d;\n")
			w("%s is its champion frozen at the cutoff, for reference.\n", name)
		}
	}
	w("\nValidation: history train + val; test: every released row with the history before it (the protocol of README's\n")
	w("\"Models and the evaluation protocol\"). New users: no rating before the cutoff (no row in train or validation).\n")
	switch d.History {
	case abtest.HistoryDay:
		w("History setting `day`: a test row's predictors see only the released days before its day.\n")
	case abtest.HistoryRow:
		w("History setting `row`: a test row's predictors see every released row strictly before it, its own day's earlier rows\nincluded (`AB_HISTORY=day` limits them to the days before).\n")
	}
	w("\n")
	writeTuning(w, d)

	w("**Verdict** (%s, all users, per user, read after every day): %s.\n\n", d.Primary, d.Verdict)
	w("A = %s, B = %s. A − B: for errors (↓) negative favours A; for ranking metrics (↑) positive favours A. A winner needs the\n", d.A, d.B)
	w("95%% always-valid interval (a confidence sequence, valid at every daily look) to exclude 0 and the Holm p (across\n")
	w("the %d metrics of a segment and unit) below %.2g. The fixed-horizon interval is the last look's bootstrap, for\n", len(abtest.Metrics), 1-d.Stats.Confidence)
	w("reference only. Units: user = each user once; row = each scored row once; user-day = each ranked user-day once.\n\n")
	w("| metric | users | unit | A − B | 95%% always-valid CI | fixed-horizon 95%% CI | Holm p | winner |\n")
	w("|---|---|---|---|---|---|---|---|\n")
	for _, metric := range shownMetrics {
		for _, seg := range abtest.Segments {
			for _, v := range d.Verdicts {
				if v.Metric != metric || v.Segment != seg {
					continue
				}
				arrow := "↑"
				if v.LowerIsBetter {
					arrow = "↓"
				}
				w("| %s %s | %s | %s | %s | %s | %s | %s | %s |\n", v.Metric, arrow, segmentName(seg), v.Unit, f4(v.Diff),
					bounds(v.SequentialCI), bounds(v.FixedCI), p3(v.PHolm), winnerName(v))
			}
		}
	}
	writeBar(w, d)
	if im := d.Impact; im != nil {
		var ph []string
		for _, a := range im.Assumptions {
			if a.Placeholder {
				ph = append(ph, a.Name)
			}
		}
		w("\nBusiness impact of switching from A to B, projected from the verdict on %s (all users, per user): B − A %.4f,\n",
			im.Metric, im.DeltaBMinusA.Estimate)
		w("95%% always-valid interval [%.4f, %.4f], a relative change of %+.2f%% [%+.2f%%, %+.2f%%]. ", im.DeltaBMinusA.Low, im.DeltaBMinusA.High,
			100*im.RelativeChange.Estimate, 100*im.RelativeChange.Low, 100*im.RelativeChange.High)
		if len(ph) > 0 {
			w("Sessions and revenue are not\nquoted here: they rest on placeholder assumptions (%s), listed as such in\nthe A/B report and in results.json.\n", strings.Join(ph, ", "))
		} else {
			w("\n")
		}
	}
	if a := d.Ablations; a != nil {
		ablationsSection(w, a)
	}
	return b.Bytes()
}

// barMetrics are the metrics results.md tabulates against the bar.
var barMetrics = []string{"rmse", "ndcg@10"}

// writeTuning states the baselines' hyper-parameters and the budget they were chosen with.
func writeTuning(w func(string, ...any), d *Doc) {
	if len(d.BaselineTuning) == 0 {
		return
	}
	var parts []string
	for _, t := range d.BaselineTuning {
		keys := make([]string, 0, len(t.Params))
		for k := range t.Params {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var ps []string
		for _, k := range keys {
			ps = append(ps, fmt.Sprintf("%s %g", k, t.Params[k]))
		}
		if len(ps) == 0 {
			ps = []string{"no hyper-parameter"}
		}
		parts = append(parts, fmt.Sprintf("%s: %s (%d candidates, val RMSE %.4f)", t.Name, strings.Join(ps, ", "), t.Budget, t.ValRMSE))
	}
	w("Baselines tuned like the models, on validation RMSE over a grid: %s.\n\n", strings.Join(parts, "; "))
}

// writeBar tabulates A's and B's verdicts against the bar.
func writeBar(w func(string, ...any), d *Doc) {
	if d.Bar == "" || len(d.BarVerdicts) == 0 {
		return
	}
	w("\n**Against the bar** (%s, tuned): model − bar; the same rules (always-valid interval, Holm across the metrics of\n", d.Bar)
	w("a segment and unit). Every verdict is in results.json's bar_verdicts.\n\n")
	w("| model | metric | users | unit | model − bar | 95%% always-valid CI | fixed-horizon 95%% CI | Holm p | winner |\n")
	w("|---|---|---|---|---|---|---|---|---|\n")
	for _, v := range d.BarVerdicts {
		if !slices.Contains(barMetrics, v.Metric) {
			continue
		}
		arrow := "↑"
		if v.LowerIsBetter {
			arrow = "↓"
		}
		w("| %s | %s %s | %s | %s | %s | %s | %s | %s | %s |\n", v.A, v.Metric, arrow, segmentName(v.Segment), v.Unit, f4(v.Diff),
			bounds(v.SequentialCI), bounds(v.FixedCI), p3(v.PHolm), winnerName(v))
	}
}

// ablationsSection renders SS4Rec's ablations: the table and, in words, what the time
// path adds and which variant validation picks.
func ablationsSection(w func(string, ...any), a *Ablations) {
	w("\n**SS4Rec ablations** (quoted from `docs/ss4rec-ablations.json`, written by `%s`, not recomputed by this run):\n", a.Command)
	w("The net of `%s` with both layers and the gaps (full) and with one part removed, its training settings otherwise,\n", a.Config)
	w("trained with seeds %s on %s; mean ± sd over the seeds. The planted-signal proof that the time path learns is in\n", joinSeeds(a.Seeds), a.Dataset)
	w("`docs/ss4rec-ablations.md`.\n\n")
	w("%s", AblationsTable(a, false))
	w("\n(The tuned baselines are in the first table.)\n")
	if s := a.TimeAwareness(); s != "" {
		w("\nWhat time-awareness adds (full against time-blind, same network with every gap taken as zero): %s.\n", s)
	}
	w("Validation-best variant: %s.\n", a.ValidationBest().Name)
}

func joinSeeds(seeds []uint64) string {
	parts := make([]string, len(seeds))
	for i, s := range seeds {
		parts[i] = fmt.Sprint(s)
	}
	return strings.Join(parts, ", ")
}

func modelOrder(d *Doc) []string {
	names := make([]string, 0, len(d.Models))
	for n := range d.Models {
		names = append(names, n)
	}
	rank := func(n string) int {
		switch {
		case n == d.A:
			return 0
		case n == d.B:
			return 1
		case d.Models[n].Role == "reference":
			return 2
		}
		return 3
	}
	slices.SortFunc(names, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	return names
}

func roleWords(r string) string {
	switch r {
	case abtest.RoleA:
		return "A"
	case abtest.RoleB:
		return "B"
	}
	return r
}

func segmentName(s string) string {
	switch s {
	case abtest.SegmentNew:
		return "new"
	case abtest.SegmentReturning:
		return "returning"
	}
	return "all"
}

func segmentCounts(ps []abtest.SegmentPopulation) string {
	var parts []string
	for _, p := range ps {
		switch p.Segment {
		case abtest.SegmentNew:
			parts = append(parts, fmt.Sprintf("%s new (no rating before the cutoff; %s rows)", thousands(p.Users), thousands(p.Rows)))
		case abtest.SegmentReturning:
			parts = append(parts, fmt.Sprintf("%s returning (%s rows)", thousands(p.Users), thousands(p.Rows)))
		}
	}
	return strings.Join(parts, " and ")
}

// winnerName is the verdict's winner by name (bold), or none.
func winnerName(v abtest.Verdict) string {
	switch v.Winner {
	case abtest.WinnerA:
		return "**" + v.A + "**"
	case abtest.WinnerB:
		return "**" + v.B + "**"
	}
	return "none"
}

func f4(p *float64) string {
	if p == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.4f", *p)
}

func p3(p *float64) string {
	if p == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.3g", *p)
}

func bounds(b *abtest.Bounds) string {
	if b == nil {
		return "n/a"
	}
	return fmt.Sprintf("[%.4f, %.4f]", b[0], b[1])
}

// thousands writes n with comma separators: 72571 → 72,571.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
