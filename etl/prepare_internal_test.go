package etl

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/ratings"
)

func TestSplitRounding(t *testing.T) {
	tests := []struct {
		n        int
		frac     float64
		wantTest int
	}{
		{100836, 0.2, 20168}, // ceil(20167.2)
		{100000, 0.2, 20000}, // exact: no float rounding up
		{53, 0.2, 11},
		{5, 0.2, 1},
		{10, 0.25, 3},
	}
	for _, tt := range tests {
		if got := testRows(tt.n, tt.frac); got != tt.wantTest {
			t.Errorf("testRows(%d, %v) = %d, want %d", tt.n, tt.frac, got, tt.wantTest)
		}
	}
	vals := []struct {
		n    int32
		frac float64
		want int32
	}{
		{1, 0.1, 0}, {4, 0.1, 0}, {5, 0.1, 1}, {14, 0.1, 1}, {15, 0.1, 2}, {100, 0.1, 10},
		{2, 0.9, 1}, // capped at n-1: a user keeps a train row
		{10, 0, 0},
	}
	for _, tt := range vals {
		if got := valRows(tt.n, tt.frac); got != tt.want {
			t.Errorf("valRows(%d, %v) = %d, want %d", tt.n, tt.frac, got, tt.want)
		}
	}
}

func TestSortRows(t *testing.T) {
	tests := []struct {
		name string
		n    int
		span int64
		big  bool // timestamps and ids far apart: the comparison-sort fallback
	}{
		{"small", 100, 50, false},
		{"radix with ties", 12000, 500, false},
		{"radix wide", 12000, 1 << 40, false},
		{"fallback", 6000, 1 << 62, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			rows := make([]ratings.Rating, tt.n)
			for i := range rows {
				rows[i] = ratings.Rating{User: 1 + r.Int32N(300), Item: 1 + r.Int32N(500), Rating: 3, Time: r.Int64N(tt.span)}
				if tt.big {
					rows[i].User = 1 + r.Int32N(1<<30)
					rows[i].Time -= 1 << 61
				}
			}
			want := slices.Clone(rows)
			sort.SliceStable(want, func(i, j int) bool { return compareRows(want[i], want[j]) < 0 })
			sortRows(rows)
			if !slices.Equal(rows, want) {
				t.Fatal("sortRows differs from a reference sort")
			}
		})
	}
}

func TestParseDatRating(t *testing.T) {
	got, err := parseDatRating([]byte("6040::3578::4.5::956704996"))
	if err != nil || got != (ratings.Rating{User: 6040, Item: 3578, Rating: 4.5, Time: 956704996}) {
		t.Fatalf("got %+v, %v", got, err)
	}
}

// TestSynthetic: exact size, deterministic, one rating per (user, item), a heavy tail
// of user activity and item popularity, ratings on the scale.
func TestSynthetic(t *testing.T) {
	const n = 50000
	rows, items := generateSynthetic(n, 7)
	again, _ := generateSynthetic(n, 7)
	other, _ := generateSynthetic(n, 8)
	if len(rows) != n || !slices.Equal(rows, again) || slices.Equal(rows, other) {
		t.Fatalf("%d rows; same seed equal: %v; other seed differs: %v", len(rows), slices.Equal(rows, again), !slices.Equal(rows, other))
	}
	type pair struct{ u, i int32 }
	seen := map[pair]bool{}
	perUser, perItem := map[int32]int{}, map[int32]int{}
	for _, r := range rows {
		p := pair{r.User, r.Item}
		if seen[p] {
			t.Fatalf("user %d rated item %d twice", r.User, r.Item)
		}
		seen[p] = true
		if !ratings.ValidRating(float64(r.Rating)) || r.Time < synthT0 {
			t.Fatalf("bad row %+v", r)
		}
		if r.Item < 1 || int(r.Item) > len(items) {
			t.Fatalf("item %d outside the catalogue of %d", r.Item, len(items))
		}
		perUser[r.User]++
		perItem[r.Item]++
	}
	for name, m := range map[string]map[int32]int{"user": perUser, "item": perItem} {
		counts := make([]int, 0, len(m))
		for _, c := range m {
			counts = append(counts, c)
		}
		slices.Sort(counts)
		median, top := counts[len(counts)/2], counts[len(counts)-1]
		if top < 10*median {
			t.Errorf("%s activity not heavy-tailed: median %d, max %d", name, median, top)
		}
	}
}

func TestPutStream(t *testing.T) {
	ctx := context.Background()
	b := blob.NewMem()
	enc := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	steps := []struct {
		name      string
		encode    func(io.Writer) error
		wantWrote bool
		wantErr   bool
		want      string
	}{
		{"new", enc("a,b\n"), true, false, "a,b\n"},
		{"identical", enc("a,b\n"), false, false, "a,b\n"},
		{"changed", enc("a,c\n"), true, false, "a,c\n"},
		{"encoder fails", func(w io.Writer) error { io.WriteString(w, "part"); return errors.New("boom") }, false, true, "a,c\n"},
	}
	for _, st := range steps {
		sum, wrote, err := putStream(ctx, b, "k.csv", st.encode)
		if (err != nil) != st.wantErr || wrote != st.wantWrote {
			t.Fatalf("%s: wrote=%v err=%v", st.name, wrote, err)
		}
		got, _ := blob.ReadAll(ctx, b, "k.csv")
		if string(got) != st.want {
			t.Fatalf("%s: object %q, want %q", st.name, got, st.want)
		}
		if err == nil && (sum.Size != int64(len(st.want)) || sum.SHA256 != fmt.Sprintf("%x", sha256.Sum256([]byte(st.want)))) {
			t.Fatalf("%s: sum %+v", st.name, sum)
		}
	}
}
