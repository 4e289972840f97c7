package ss4rec

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/scoring"
)

// equivData is a seeded history and the rows to score against it: users longer than
// two windows and shorter than half a window, same-second ties, gaps from seconds to
// years; query rows that are in the history, rows at times not in it (some between
// interactions, some tied with one), unseen items, and users without history.
func equivData(seed uint64, w int) (train, hist, rows []ratings.Rating) {
	r := rand.New(rand.NewPCG(seed, 1))
	lengths := []int{3, w/2 - 1, w / 2, w, w + 1, 2*w + 7, 5*w + 3}
	for u, n := range lengths {
		t := int64(1_000_000_000)
		for k := range n {
			switch r.IntN(5) {
			case 0: // same-second tie
			case 1:
				t += int64(1 + r.IntN(120))
			case 2:
				t += 86400 * int64(1+r.IntN(30))
			case 3:
				t += 3 * 365 * 86400
			default:
				t += int64(r.IntN(7200))
			}
			row := ratings.Rating{User: int32(u + 1), Item: 10 + int32(r.IntN(12)), Rating: float32(1+r.IntN(10)) / 2, Time: t}
			if k < n/2 {
				train = append(train, row)
			}
			hist = append(hist, row)
		}
	}
	for _, h := range hist {
		if r.IntN(3) > 0 {
			rows = append(rows, h) // in the history: the direct path
		}
	}
	for range 60 {
		h := hist[r.IntN(len(hist))]
		q := h
		switch r.IntN(4) {
		case 0:
			q.Time = h.Time + int64(1+r.IntN(100000)) // not in the history
		case 1:
			q.Time = h.Time - int64(r.IntN(3)) // tied with, or just before, an interaction
		case 2:
			q.Item = 500 + int32(r.IntN(5)) // unseen item
		default:
			q.Time = h.Time + 1
		}
		rows = append(rows, q)
	}
	rows = append(rows,
		ratings.Rating{User: 99, Item: 10, Rating: 3, Time: 2_000_000_000},  // no history at all
		ratings.Rating{User: 1, Item: 11, Rating: 3, Time: 1},               // before the user's first interaction
		ratings.Rating{User: 99, Item: 777, Rating: 3, Time: 2_000_000_000}) // and an unseen item
	r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	return train, hist, rows
}

// same is bit-for-bit equality where the build rounds every operation (exactFloat),
// else agreement within 2e-6 (a few float32 ulps at the rating scale).
func same(a, b float32) bool {
	if math.IsNaN(float64(a)) || math.IsNaN(float64(b)) {
		return false
	}
	if exactFloat {
		return a == b
	}
	return math.Abs(float64(a-b)) <= 2e-6
}

// perturbed returns a model built on train with its parameters moved away from the
// initialisation (as after training).
func perturbed(t *testing.T, cfg Net, train []ratings.Rating, seed uint64) *Model {
	t.Helper()
	m, err := New(&cfg, train, seed)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 9))
	for _, p := range m.Params() {
		for i := range p.Value {
			p.Value[i] += float32(r.NormFloat64() * 0.1)
		}
		if p.Sparse {
			c := p.Cols()
			clear(p.Value[:c])
			clear(p.Value[len(p.Value)-c:])
		}
	}
	return m
}

// TestPredictEqualsReference: the inference engine gives, bit for bit (see same),
// what the batched training forward gave (predictReference, the previous Predict),
// for the full net and each ablation, at the tiny and the default sizes.
func TestPredictEqualsReference(t *testing.T) {
	small := tinyConfig()
	def := *DefaultNet()
	def.Dropout = 0.1 // evaluation mode ignores it
	tests := []struct {
		name string
		base Net
		mod  func(*Net)
	}{
		{"tiny/full", small, func(*Net) {}},
		{"tiny/s5_only", small, func(c *Net) { c.S5Only = true }},
		{"tiny/mamba_only", small, func(c *Net) { c.MambaOnly = true }},
		{"tiny/time_blind", small, func(c *Net) { c.TimeBlind = true }},
		{"default/full", def, func(*Net) {}},
		{"default/s5_only", def, func(c *Net) { c.S5Only = true }},
		{"default/mamba_only", def, func(c *Net) { c.MambaOnly = true }},
		{"default/time_blind", def, func(c *Net) { c.TimeBlind = true }},
		{"default/one_block_odd", def, func(c *Net) { c.Blocks, c.Dim, c.MambaN, c.S5States = 1, 20, 5, 7 }},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.base
			tc.mod(&cfg)
			train, all, rows := equivData(uint64(i+1), cfg.MaxSeqLen)
			m := perturbed(t, cfg, train, uint64(i+3))
			hist := scoring.NewHistory(all)
			ctx := context.Background()
			want, err := m.predictReference(ctx, hist, rows)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Predict(ctx, hist, rows)
			if err != nil {
				t.Fatal(err)
			}
			var direct, stepped int
			for j, r := range rows {
				if !same(got[j], want[j]) {
					t.Errorf("row %d %+v: Predict %v, reference %v", j, r, got[j], want[j])
				}
				before := hist.Before(r.User, r.Time)
				if all := hist.All(r.User); len(before) > 0 && len(before) < len(all) && all[len(before)].Time == r.Time {
					direct++
				} else if len(before) > 0 {
					stepped++
				}
			}
			if direct == 0 || stepped == 0 {
				t.Fatalf("data exercise %d direct and %d stepped rows; want both", direct, stepped)
			}
		})
	}
}

// TestPredictCarriesAcrossDays scores a history released day by day, as ab-eval
// does: each day's rows with the history up to that day. The states carried from
// one day to the next are used (hits) and change no prediction; neither does a
// change of the history before a carried window, nor of the parameters (training
// between two calls).
func TestPredictCarriesAcrossDays(t *testing.T) {
	for _, v := range []struct {
		name string
		mod  func(*Net)
	}{
		{"full", func(*Net) {}},
		{"s5_only", func(c *Net) { c.S5Only = true }},
		{"mamba_only", func(c *Net) { c.MambaOnly = true }},
		{"time_blind", func(c *Net) { c.TimeBlind = true }},
	} {
		t.Run(v.name, func(t *testing.T) {
			cfg := *DefaultNet()
			cfg.MaxSeqLen = 10
			v.mod(&cfg)
			_, all, _ := equivData(11, 30)
			slices.SortStableFunc(all, func(a, b ratings.Rating) int { return cmp.Compare(a.Time, b.Time) })
			m := perturbed(t, cfg, all[:len(all)/3], 5)
			ctx := context.Background()
			check := func(hist *scoring.History, rows []ratings.Rating, what string) {
				t.Helper()
				want, err := m.predictReference(ctx, hist, rows)
				if err != nil {
					t.Fatal(err)
				}
				got, err := m.Predict(ctx, hist, rows)
				if err != nil {
					t.Fatal(err)
				}
				for j := range rows {
					if !same(got[j], want[j]) {
						t.Fatalf("%s: row %d %+v: Predict %v, reference %v", what, j, rows[j], got[j], want[j])
					}
				}
			}
			const days = 12
			start := len(all) / 3
			day := func(d int) (lo, hi int) {
				return start + (d-1)*(len(all)-start)/days, start + d*(len(all)-start)/days
			}
			for d := 1; d <= days-2; d++ {
				lo, hi := day(d)
				check(scoring.NewHistory(all[:hi]), all[lo:hi], fmt.Sprintf("day %d", d))
			}
			if carriesOf(m).hits.Load() == 0 {
				t.Fatal("no window resumed from a carried state")
			}
			// Day 11 with every earlier rating changed: no carried state matches.
			lo, hi := day(days - 1)
			changed := slices.Clone(all)
			for k := range changed[:lo] {
				changed[k].Rating = 5.5 - changed[k].Rating
			}
			check(scoring.NewHistory(changed[:hi]), changed[lo:hi], "history changed")
			// Day 12 after the parameters moved (training between calls).
			for _, p := range m.Params() {
				for k := range p.Value {
					p.Value[k] *= 1.01
				}
			}
			lo, hi = day(days)
			check(scoring.NewHistory(changed[:hi]), changed[lo:hi], "parameters changed")
		})
	}
}
