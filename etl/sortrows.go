package etl

import (
	"cmp"
	"math/bits"
	"slices"

	"github.com/recpipe/recpipe/internal/ratings"
)

// compareRows is the one order of prepared rows: by time, then userId, then movieId.
func compareRows(a, b ratings.Rating) int {
	if c := cmp.Compare(a.Time, b.Time); c != 0 {
		return c
	}
	if c := cmp.Compare(a.User, b.User); c != 0 {
		return c
	}
	return cmp.Compare(a.Item, b.Item)
}

// sortRows sorts rows by compareRows. Sorted input costs one scan. Otherwise, when
// (time - min time, user - min user) fit in 64 bits, as they do for every MovieLens
// release, it is an LSD radix sort on that key (11-bit digits, digits that never vary
// skipped), then an insertion sort by item inside each (time, user) run; if they do
// not fit, a comparison sort.
func sortRows(rows []ratings.Rating) {
	if len(rows) < 2 || slices.IsSortedFunc(rows, compareRows) {
		return
	}
	if len(rows) < 1<<12 {
		slices.SortFunc(rows, compareRows)
		return
	}
	tmin, tmax := rows[0].Time, rows[0].Time
	umin, umax := rows[0].User, rows[0].User
	for _, r := range rows {
		tmin, tmax = min(tmin, r.Time), max(tmax, r.Time)
		umin, umax = min(umin, r.User), max(umax, r.User)
	}
	tspan, uspan := uint64(tmax-tmin), uint64(int64(umax)-int64(umin))
	ubits := bits.Len64(uspan)
	if tmax-tmin < 0 || bits.Len64(tspan)+ubits > 64 {
		slices.SortFunc(rows, compareRows)
		return
	}
	key := func(r *ratings.Rating) uint64 {
		return uint64(r.Time-tmin)<<ubits | uint64(int64(r.User)-int64(umin))
	}
	radixSort(rows, key, bits.Len64(tspan<<ubits|uspan))
	// Ties of (time, user) are tiny runs: order them by item.
	for i := 1; i < len(rows); i++ {
		for j := i; j > 0 && rows[j].Time == rows[j-1].Time && rows[j].User == rows[j-1].User && rows[j].Item < rows[j-1].Item; j-- {
			rows[j], rows[j-1] = rows[j-1], rows[j]
		}
	}
}

const radixBits = 11

// radixSort is a stable LSD radix sort of rows on key, which uses keyBits bits.
func radixSort(rows []ratings.Rating, key func(*ratings.Rating) uint64, keyBits int) {
	passes := (keyBits + radixBits - 1) / radixBits
	counts := make([][1 << radixBits]int, passes)
	for i := range rows {
		k := key(&rows[i])
		for p := range passes {
			counts[p][(k>>(p*radixBits))&(1<<radixBits-1)]++
		}
	}
	src, dst := rows, make([]ratings.Rating, len(rows))
	for p := range passes {
		c := &counts[p]
		if slices.Contains(c[:], len(rows)) {
			continue // every key has the same digit here
		}
		off := 0
		for d := range c {
			c[d], off = off, off+c[d]
		}
		shift := p * radixBits
		for i := range src {
			d := (key(&src[i]) >> shift) & (1<<radixBits - 1)
			dst[c[d]] = src[i]
			c[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &rows[0] {
		copy(rows, src)
	}
}
