package abtest

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Interval is a two-sided confidence interval.
type Interval struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// Boot holds, for every metric, the bootstrap percentile intervals of A's aggregate
// value, B's, their difference A − B, and the mean of the per-user differences.
type Boot struct {
	A, B, Diff, UserDiff []Interval
	Resamples            []int // replicates with a defined value (a resample may draw no ranking user)
}

// extended returns, per user, the stored values followed by, for each weight group, 1
// when the user has weight in it, and for each metric the user's own difference A − B
// (0 when the user has no weight in the metric's group).
func extended(u *Units) ([]float64, int) {
	s, nm := Stride(), len(Metrics)
	es := s + weights + nm
	out := make([]float64, u.Len()*es)
	for i := range u.Users {
		row, dst := u.Row(i), out[i*es:(i+1)*es]
		copy(dst, row)
		for g := range weights {
			if row[g] > 0 {
				dst[s+g] = 1
			}
		}
		for m := range nm {
			if w := row[Metrics[m].Weight]; w > 0 {
				dst[s+weights+m] = stat(m, w, row[aIdx(m)]) - stat(m, w, row[bIdx(m)])
			}
		}
	}
	return out, es
}

// Bootstrap resamples users with replacement `resamples` times and returns the
// percentile intervals at level conf (e.g. 0.95) for every metric. Replicate r draws
// from its own PCG stream seeded (seed, r), so the result does not depend on how many
// goroutines share the work: same seed, same numbers.
func Bootstrap(u *Units, seed uint64, resamples int, conf float64) Boot {
	return BootstrapShared([]*Units{u}, seed, resamples, conf)[0]
}

// BootstrapShared is Bootstrap of every units of us, which hold the same users in the
// same order (e.g. u and u.Pair(SideA, SideBar)): the same seed draws the same users
// for all of them, so the draws are counted once and every replicate's sums are taken
// in one pass over the users, their columns side by side, each distinct column once
// and only the columns read (distinctColumns). A column's sum is its own additions in
// user order whatever columns are beside it, so each Boot is the one of summing every
// column of every units on its own, bit for bit (TestBootstrapSharedEqualsBootstrap).
func BootstrapShared(us []*Units, seed uint64, resamples int, conf float64) []Boot {
	nm := len(Metrics)
	n := us[0].Len()
	base := Stride()
	for _, u := range us {
		if u.Len() != n {
			panic("abtest: BootstrapShared of units of different users")
		}
	}
	s := Stride() + weights + nm // extended's stride
	data, cols, uw := distinctColumns(us, n, bootColumns(s))
	type reps struct{ a, b, d, u [][]float64 }
	all := make([]reps, len(us))
	for k := range all {
		all[k] = reps{make([][]float64, nm), make([][]float64, nm), make([][]float64, nm), make([][]float64, nm)}
		for m := range nm {
			all[k].a[m] = make([]float64, resamples)
			all[k].b[m] = make([]float64, resamples)
			all[k].d[m] = make([]float64, resamples)
			all[k].u[m] = make([]float64, resamples)
		}
	}
	acc := make([]float64, s)
	resampleSums(data, n, uw, seed, resamples, func(r int, sums []float64) {
		for k, rp := range all {
			for c, j := range cols[k] {
				if j >= 0 {
					acc[c] = sums[j]
				}
			}
			for m := range nm {
				wt := acc[Metrics[m].Weight]
				a, b := stat(m, wt, acc[aIdx(m)]), stat(m, wt, acc[bIdx(m)])
				rp.a[m][r], rp.b[m][r], rp.d[m][r] = a, b, a-b
				rp.u[m][r] = math.NaN()
				if users := acc[base+Metrics[m].Weight]; users > 0 {
					rp.u[m][r] = acc[base+weights+m] / users
				}
			}
		}
	})
	out := make([]Boot, len(us))
	for k, rp := range all {
		out[k] = Boot{A: make([]Interval, nm), B: make([]Interval, nm), Diff: make([]Interval, nm),
			UserDiff: make([]Interval, nm), Resamples: make([]int, nm)}
		for m := range nm {
			out[k].A[m] = percentile(rp.a[m], conf)
			out[k].B[m] = percentile(rp.b[m], conf)
			out[k].Diff[m] = percentile(rp.d[m], conf)
			out[k].UserDiff[m] = percentile(rp.u[m], conf)
			out[k].Resamples[m] = countDefined(rp.u[m])
		}
	}
	return out
}

// bootColumns are the columns of an extended row (stride s) that Bootstrap reads: the
// weights, A's and B's sums, the weight indicators and the per-user differences (not
// the bar's sums).
func bootColumns(s int) []bool {
	use := make([]bool, s)
	for g := range weights {
		use[g], use[Stride()+g] = true, true
	}
	for m := range Metrics {
		use[aIdx(m)], use[bIdx(m)], use[Stride()+weights+m] = true, true, true
	}
	return use
}

// distinctColumns lays the used columns of every units' extended rows (stride s) side
// by side, each distinct column once: a column equal, bit for bit, to one already
// laid (the same sha256 of its bits) is summed once, since the same additions give the
// same sums. It returns the rows (stride uw) and, for every units, the position of
// each of its columns (−1: unused). One units' extended rows are held at a time.
func distinctColumns(us []*Units, n int, use []bool) ([]float64, [][]int, int) {
	s := len(use)
	byHash := map[[sha256.Size]byte]int{}
	cols := make([][]int, len(us))
	buf := make([]byte, 8*n)
	for k, u := range us {
		ext, _ := extended(u)
		cols[k] = make([]int, s)
		for c := range s {
			cols[k][c] = -1
			if !use[c] {
				continue
			}
			for i := range n {
				binary.LittleEndian.PutUint64(buf[8*i:], math.Float64bits(ext[i*s+c]))
			}
			h := sha256.Sum256(buf)
			j, ok := byHash[h]
			if !ok {
				j = len(byHash)
				byHash[h] = j
			}
			cols[k][c] = j
		}
	}
	uw := len(byHash)
	data := make([]float64, n*uw)
	laid := make([]bool, uw)
	for k, u := range us {
		ext, _ := extended(u)
		for c, j := range cols[k] {
			if j < 0 || laid[j] {
				continue
			}
			laid[j] = true
			for i := range n {
				data[i*uw+j] = ext[i*s+c]
			}
		}
	}
	return data, cols, uw
}

func countDefined(v []float64) int {
	c := 0
	for _, x := range v {
		if !math.IsNaN(x) {
			c++
		}
	}
	return c
}

// percentile returns the (1−conf)/2 and (1+conf)/2 quantiles of the defined values.
func percentile(v []float64, conf float64) Interval {
	def := make([]float64, 0, len(v))
	for _, x := range v {
		if !math.IsNaN(x) {
			def = append(def, x)
		}
	}
	slices.Sort(def)
	return Interval{Low: Quantile(def, (1-conf)/2), High: Quantile(def, (1+conf)/2)}
}

// Batch sizes of resampleSums: resamples counted at once, and users per cache block.
const (
	batchResamples = 64
	blockUsers     = 512
)

// resampleSums calls emit(r, sums) for every replicate r < resamples, where sums is the
// column sum of the n rows of data (stride s) drawn with replacement, each replicate
// from its own PCG stream seeded (seed, r). Rather than adding a random row per draw
// (a cache miss per draw once data outgrows the cache), it counts the draws of a batch
// of replicates, then walks the rows in blocks that stay in cache, adding count·row.
// Each replicate's sum runs over users in order, whatever the number of goroutines, so
// the sums are deterministic. emit is called in replicate order from one goroutine.
func resampleSums(data []float64, n, s int, seed uint64, resamples int, emit func(r int, sums []float64)) {
	if n == 0 {
		sums := make([]float64, s)
		for r := range resamples {
			emit(r, sums)
		}
		return
	}
	workers := max(1, runtime.GOMAXPROCS(0))
	counts := make([]uint32, batchResamples*n)
	sums := make([]float64, batchResamples*s)
	for b0 := 0; b0 < resamples; b0 += batchResamples {
		nr := min(batchResamples, resamples-b0)
		clear(counts)
		clear(sums)
		parallel(nr, workers, func(r int) {
			var pcg rand.PCG
			pcg.Seed(seed, uint64(b0+r))
			c := counts[r*n : (r+1)*n]
			for range n {
				// Lemire's multiply-shift maps a 64-bit draw onto [0, n); the bias is
				// below n/2^64, far under anything measurable here.
				hi, _ := bits.Mul64(pcg.Uint64(), uint64(n))
				c[hi]++
			}
		})
		var wg sync.WaitGroup
		for w := range min(workers, nr) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var impl gonum.Implementation
				cf := make([]float64, blockUsers)
				for u0 := 0; u0 < n; u0 += blockUsers {
					u1 := min(n, u0+blockUsers)
					block := data[u0*s : u1*s]
					for r := w; r < nr; r += workers {
						for i, k := range counts[r*n+u0 : r*n+u1] {
							cf[i] = float64(k)
						}
						// sums[r] += blockᵀ · counts: gonum's assembly GEMV, serial, so
						// the order of the additions is fixed.
						impl.Dgemv(blas.Trans, u1-u0, s, 1, block, s, cf[:u1-u0], 1, 1, sums[r*s:(r+1)*s], 1)
					}
				}
			}()
		}
		wg.Wait()
		for r := range nr {
			emit(b0+r, sums[r*s:(r+1)*s])
		}
	}
}

// parallel runs f(0..n-1) on up to workers goroutines.
func parallel(n, workers int, f func(i int)) {
	var wg sync.WaitGroup
	for w := range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				f(i)
			}
		}()
	}
	wg.Wait()
}
