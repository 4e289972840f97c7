package ss4rec

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/scoring"
)

// userRows is a small rating history: users 1–3 over items 10–17, with same-second
// ties, gaps from 0 s to years, and user 3 longer than two windows.
func userRows() []ratings.Rating {
	r := rand.New(rand.NewPCG(4, 4))
	var rows []ratings.Rating
	for u := int32(1); u <= 3; u++ {
		t := int64(1_000_000_000)
		for k := range 6 + 9*int(u) {
			switch k % 4 {
			case 0:
				t += 0 // tie with the previous row
			case 1:
				t += 60
			case 2:
				t += 86400 * int64(1+r.IntN(30))
			default:
				t += 3 * 365 * 86400
			}
			rows = append(rows, ratings.Rating{User: u, Item: 10 + int32(r.IntN(8)), Rating: float32(1+r.IntN(9)) / 2, Time: t})
		}
	}
	return rows
}

func tinyModel(t *testing.T, mod func(*Net)) (*Model, []ratings.Rating) {
	t.Helper()
	rows := userRows()
	cfg := tinyConfig()
	mod(&cfg)
	m, err := New(&cfg, rows, 7)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(9, 9))
	for _, p := range m.Params() { // away from the initialisation, as after training
		for i := range p.Value {
			p.Value[i] += float32(r.NormFloat64() * 0.1)
		}
		if p.Sparse {
			c := p.Cols()
			clear(p.Value[:c])
			clear(p.Value[len(p.Value)-c:])
		}
	}
	return m, rows
}

// predictByStepping is the reference: for each row, run the recurrent form from the
// window start through the last position before the row's time, the last step with
// the gap to the row.
func predictByStepping(m *Model, hist *scoring.History, rows []ratings.Rating) []float32 {
	n := m.net
	out := make([]float32, len(rows))
	st, sc, u := n.newState(), n.newScratch(), make([]float32, m.cfg.Dim)
	for i, r := range rows {
		before := hist.Before(r.User, r.Time)
		it := m.vocab.row(r.Item)
		if len(before) == 0 {
			out[i] = clip(n.mu + n.itemBias.Value[it])
			continue
		}
		p := len(before) - 1
		st.reset()
		var o []float32
		for k := windowStart(p, m.cfg.MaxSeqLen); k <= p; k++ {
			next := r.Time
			if k < p {
				next = before[k+1].Time
			}
			o = n.step(st, sc, aNegOf(n), m.vocab.row(before[k].Item), rateIndex(before[k].Rating), m.cfg.gap(next-before[k].Time))
		}
		out[i] = clip(n.head(o, u, it))
	}
	return out
}

func TestPredictMatchesStepping(t *testing.T) {
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
			m, rows := tinyModel(t, v.mod)
			hist := scoring.NewHistory(rows)
			// score every row plus unseen items and a user without history
			q := append(append([]ratings.Rating(nil), rows...),
				ratings.Rating{User: 3, Item: 99, Rating: 4, Time: rows[len(rows)-1].Time + 5},
				ratings.Rating{User: 42, Item: 10, Rating: 3, Time: 2_000_000_000})
			got, err := m.Predict(context.Background(), hist, q)
			if err != nil {
				t.Fatal(err)
			}
			want := predictByStepping(m, hist, q)
			for i := range q {
				if math.Abs(float64(got[i]-want[i])) > 2e-4 {
					t.Errorf("row %d %+v: Predict %v, stepping %v", i, q[i], got[i], want[i])
				}
			}
		})
	}
}

// The history rule: interactions at or after a row's second change nothing; an
// earlier one does.
func TestPredictUsesOnlyEarlierInteractions(t *testing.T) {
	m, rows := tinyModel(t, func(*Net) {})
	target := ratings.Rating{User: 2, Item: 12, Rating: 4, Time: rows[20].Time + 1000}
	base := scoring.NewHistory(rows)
	p0, err := m.Predict(context.Background(), base, []ratings.Rating{target})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		extra ratings.Rating
		same  bool
	}{
		{"same second", ratings.Rating{User: 2, Item: 15, Rating: 0.5, Time: target.Time}, true},
		{"later", ratings.Rating{User: 2, Item: 16, Rating: 5, Time: target.Time + 1}, true},
		{"other user", ratings.Rating{User: 1, Item: 16, Rating: 5, Time: target.Time - 1}, true},
		{"one second before", ratings.Rating{User: 2, Item: 15, Rating: 0.5, Time: target.Time - 1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := scoring.NewHistory(rows, []ratings.Rating{tc.extra})
			p, err := m.Predict(context.Background(), h, []ratings.Rating{target})
			if err != nil {
				t.Fatal(err)
			}
			// unchanged up to float rounding: the row may take the batched path or the
			// recurrent step depending on what follows it in the history
			if same := math.Abs(float64(p[0]-p0[0])) < 1e-5; same != tc.same {
				t.Errorf("prediction %v → %v with %+v; want unchanged=%v", p0[0], p[0], tc.extra, tc.same)
			}
		})
	}
}
