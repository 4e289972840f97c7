package ss4rec

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/model/scoring"
)

func TestGapScale(t *testing.T) {
	tests := []struct {
		seconds int64
		want    float64
	}{
		{0, 1},
		{-5, 1},
		{3600, 1 + math.Log(2)},
		{86400, 1 + math.Log1p(24)},
		{20 * 365 * 86400, 1 + math.Log1p(20*365*24)},
		{math.MaxInt64, 1 + math.Log1p(math.MaxInt64/3600.0)},
	}
	for _, tc := range tests {
		if got := GapScale(tc.seconds); math.Abs(float64(got)-tc.want) > 1e-5*math.Max(1, tc.want) {
			t.Errorf("GapScale(%d) = %v, want %v", tc.seconds, got, tc.want)
		}
	}
}

func TestStatePos(t *testing.T) {
	tests := []struct {
		name  string
		times []int64
		want  []int
	}{
		{"distinct", []int64{1, 2, 3}, []int{-1, 0, 1}},
		{"tie first", []int64{5, 5, 6}, []int{-1, -1, 1}},
		{"tie later", []int64{1, 4, 4, 4, 9}, []int{-1, 0, 0, 0, 3}},
		{"all tied", []int64{7, 7}, []int{-1, -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			seq := make([]scoring.Interaction, len(tc.times))
			for i, ts := range tc.times {
				seq[i] = scoring.Interaction{Item: int32(i + 1), Time: ts}
			}
			if got := statePos(seq); !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestWindowStart(t *testing.T) {
	tests := []struct{ p, w, want int }{
		{0, 50, 0}, {49, 50, 0}, {50, 50, 25}, {74, 50, 25}, {75, 50, 50}, {99, 50, 50}, {100, 50, 75},
		{5, 6, 0}, {6, 6, 3}, {8, 6, 3}, {9, 6, 6},
	}
	for _, tc := range tests {
		s := windowStart(tc.p, tc.w)
		if s != tc.want {
			t.Errorf("windowStart(%d, %d) = %d, want %d", tc.p, tc.w, s, tc.want)
		}
		if tc.p-s < min(tc.p, tc.w/2) || tc.p-s >= tc.w {
			t.Errorf("p %d: context %d outside [W/2, W)", tc.p, tc.p-s+1)
		}
	}
}

// Every interaction with history is a target exactly once, read from the state of
// the last interaction strictly before it; ties share that state.
func TestBuildWindowsTargets(t *testing.T) {
	rows := userRows()
	cfg := tinyConfig()
	v := newVocab(rows)
	hist := scoring.NewHistory(rows)
	ws := buildWindows(cfg, v, hist, []int32{1, 2, 3})
	total := 0
	for i := range ws.len() {
		w := ws.at(i)
		if len(w.items) > cfg.MaxSeqLen || len(w.items) == 0 {
			t.Fatalf("window of %d positions (max %d)", len(w.items), cfg.MaxSeqLen)
		}
		for k, p := range w.tPos {
			if int(p) >= len(w.items) || p < 0 {
				t.Fatalf("target reads position %d of a %d-position window", p, len(w.items))
			}
			if w.tItem[k] == 0 {
				t.Fatal("a target holds the padding row")
			}
			total++
		}
		for _, it := range w.items {
			if it == 0 {
				t.Fatal("a real position holds the padding row")
			}
		}
	}
	want := 0
	for _, u := range []int32{1, 2, 3} {
		for _, p := range statePos(hist.All(u)) {
			if p >= 0 {
				want++
			}
		}
	}
	if total != want {
		t.Fatalf("%d targets, want %d (one per interaction with history)", total, want)
	}
}

// Net.gap forms τ: the raw interval in days plus an hour (a tie is an hour, as every
// gap when time-blind), 1 + log1p(hours) for GapLogHours and for a model.bin without
// the field (time-blind: 1).
func TestNetGap(t *testing.T) {
	for _, tc := range []struct {
		gap   string
		blind bool
		secs  int64
		want  float32
	}{
		{GapDays, false, 0, 1.0 / 24}, {GapDays, false, 86400, 25.0 / 24}, {GapDays, false, 23 * 3600, 1},
		{GapDays, false, 365 * 86400, float32((365*86400 + 3600) / 86400.0)}, {GapDays, false, -5, 1.0 / 24},
		{GapDays, true, 86400, 1.0 / 24}, {GapLogHours, false, 3600, GapScale(3600)}, {"", false, 3600, GapScale(3600)},
		{GapLogHours, true, 3600, 1},
	} {
		if got := (Net{Gap: tc.gap, TimeBlind: tc.blind}).gap(tc.secs); got != tc.want {
			t.Errorf("gap %q blind %v, %d s: τ = %v, want %v", tc.gap, tc.blind, tc.secs, got, tc.want)
		}
	}
}

// The S5 dynamics (Λ and step) take the net's SSM learning-rate scale and no weight
// decay; the other tensors keep the run's.
func TestSSMParamsOwnRate(t *testing.T) {
	cfg := tinyConfig()
	cfg.SSMLRScale = 0.25
	n := newNet(cfg, 4)
	ssm := 0
	for _, p := range n.params {
		isSSM := strings.HasSuffix(p.Name, "s5.log_a") || strings.HasSuffix(p.Name, "s5.im_a") || strings.HasSuffix(p.Name, "s5.log_step")
		if isSSM {
			ssm++
		}
		if isSSM != (p.LRScale == 0.25 && p.NoDecay) || !isSSM && (p.LRScale != 1 || p.NoDecay) {
			t.Errorf("%s: LRScale %v NoDecay %v", p.Name, p.LRScale, p.NoDecay)
		}
	}
	if ssm != 3*cfg.Blocks {
		t.Fatalf("%d SSM tensors, want %d", ssm, 3*cfg.Blocks)
	}
}
