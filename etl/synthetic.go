package etl

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/recpipe/recpipe/internal/ratings"
)

// DefaultSyntheticSeed seeds --synthetic-rows unless Options.Seed is set.
const DefaultSyntheticSeed = 20250213

// syntheticVersion names the generator; changing what it generates must change it.
const syntheticVersion = "recpipe-synthetic-movielens/v1"

// Users of a synthetic dataset start rating within MovieLens' time range
// (1995-01-09 .. 2023-10-12); a session begun near the end may run a few minutes past it.
const (
	synthT0 = 789652009
	synthT1 = 1697164147
)

var synthGenres = []string{"Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary",
	"Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"}

// syntheticSource describes a synthetic dataset; its checksum is that of the
// generator's name and parameters, so the same -rows and seed are recognised.
func syntheticSource(n int, seed uint64) PreparedSource {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s rows=%d seed=%d", syntheticVersion, n, seed)))
	return PreparedSource{Name: syntheticVersion, Format: "synthetic", SHA256: hex.EncodeToString(sum[:]), Seed: seed}
}

// synthShape is the size of a synthetic dataset of n ratings, scaled like MovieLens
// (ml-32m: 32M ratings, 200k users, 84k rated movies).
func synthShape(n int) (users, items, perUserMax int) {
	items = max(20, int(15*math.Sqrt(float64(n))))
	perUserMax = items / 2
	users = max(1, (n+159)/160)
	if users*perUserMax < n {
		users = (n + perUserMax - 1) / perUserMax
	}
	return users, items, perUserMax
}

// generateSynthetic makes n ratings with a MovieLens-like shape, deterministically
// from seed: user activity is log-normal (a heavy tail of very active users), item
// popularity Zipf(0.9) over a shuffled catalogue, each user rates an item at most once,
// in sessions of ratings seconds apart, spread over a log-normal active span. Ratings
// come from item quality + user bias + noise on the half-star scale. Users are
// generated in blocks, each with its own seeded stream, on every CPU: the result does
// not depend on scheduling. Rows come out unsorted.
func generateSynthetic(n int, seed uint64) ([]ratings.Rating, []Item) {
	nUsers, nItems, perUserMax := synthShape(n)
	rng := rand.New(rand.NewPCG(seed, 1))

	// Per-user counts: 1 + a log-normal share of the rest, capped, then topped up
	// round-robin to exactly n.
	w := make([]float64, nUsers)
	var total float64
	for u := range w {
		w[u] = math.Exp(1.1 * rng.NormFloat64())
		total += w[u]
	}
	counts := make([]int32, nUsers)
	sum := 0
	for u := range counts {
		c := 1 + int(float64(n-nUsers)*w[u]/total)
		counts[u] = int32(min(c, perUserMax))
		sum += int(counts[u])
	}
	for u := 0; sum < n; u = (u + 1) % nUsers {
		if int(counts[u]) < perUserMax {
			counts[u]++
			sum++
		}
	}

	// Items: popularity rank -> movieId through a shuffle; quality per movie.
	perm := rng.Perm(nItems)
	alias := newAlias(nItems, func(rank int) float64 { return math.Pow(float64(rank+1), -0.9) })
	quality := make([]float64, nItems+1)
	items := make([]Item, nItems)
	for i := range items {
		id := int32(i + 1)
		quality[id] = min(4.6, max(1.5, 3.5+0.45*rng.NormFloat64()))
		g := synthGenres[rng.IntN(len(synthGenres))]
		if rng.IntN(2) == 0 {
			g += "|" + synthGenres[rng.IntN(len(synthGenres))]
		}
		items[i] = Item{ID: id, Title: fmt.Sprintf("Synthetic movie %d (%d)", id, 1920+rng.IntN(104)), Genres: g}
	}

	offsets := make([]int, nUsers+1)
	for u, c := range counts {
		offsets[u+1] = offsets[u] + int(c)
	}
	rows := make([]ratings.Rating, n)
	const block = 1024
	blocks := (nUsers + block - 1) / block
	var next int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seen := make([]int32, nItems+1) // seen[id] == u+1: user u rated id
			for {
				mu.Lock()
				bi := next
				next++
				mu.Unlock()
				if bi >= blocks {
					return
				}
				r := rand.New(rand.NewPCG(seed, uint64(bi)+2))
				for u := bi * block; u < min(nUsers, (bi+1)*block); u++ {
					synthUser(r, rows[offsets[u]:offsets[u+1]], int32(u+1), perm, alias, quality, seen)
				}
			}
		}()
	}
	wg.Wait()
	return rows, items
}

// synthUser fills out with user's ratings.
func synthUser(r *rand.Rand, out []ratings.Rating, user int32, perm []int, alias *aliasTable, quality []float64, seen []int32) {
	start := synthT0 + r.Int64N(synthT1-synthT0)
	span := min(synthT1-start, int64(math.Exp(math.Log(3*86400)+2.2*r.NormFloat64())))
	bias := 0.35 * r.NormFloat64()
	var t int64
	left := 0 // ratings left in the current session
	for k := range out {
		if left == 0 {
			t = start + r.Int64N(span+1)
			left = 1 + int(r.ExpFloat64()*14)
		}
		left--
		t += int64(r.ExpFloat64() * 25)
		var id int32
		for {
			id = int32(perm[alias.sample(r)] + 1)
			if seen[id] != user {
				seen[id] = user
				break
			}
		}
		v := quality[id] + bias + 0.85*r.NormFloat64()
		if r.IntN(4) == 0 {
			v = math.Round(v*2) / 2
		} else {
			v = math.Round(v)
		}
		out[k] = ratings.Rating{User: user, Item: id, Rating: float32(min(5, max(0.5, v))), Time: t}
	}
}

// aliasTable samples 0..n-1 in proportion to fixed weights in O(1) (Vose's alias method).
type aliasTable struct {
	prob  []float64
	alias []int32
}

func newAlias(n int, weight func(int) float64) *aliasTable {
	t := &aliasTable{prob: make([]float64, n), alias: make([]int32, n)}
	var total float64
	for i := range n {
		total += weight(i)
	}
	scaled := make([]float64, n)
	var small, large []int32
	for i := range n {
		scaled[i] = weight(i) * float64(n) / total
		if scaled[i] < 1 {
			small = append(small, int32(i))
		} else {
			large = append(large, int32(i))
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small, large = small[:len(small)-1], large[:len(large)-1]
		t.prob[s], t.alias[s] = scaled[s], l
		scaled[l] += scaled[s] - 1
		if scaled[l] < 1 {
			small = append(small, l)
		} else {
			large = append(large, l)
		}
	}
	for _, i := range append(small, large...) {
		t.prob[i], t.alias[i] = 1, i
	}
	return t
}

func (t *aliasTable) sample(r *rand.Rand) int {
	i := r.IntN(len(t.prob))
	if r.Float64() < t.prob[i] {
		return i
	}
	return int(t.alias[i])
}
