package ss4rec

import (
	"runtime"
	"sync"
)

// parallelMin is the element count below which splitting an op over the cores costs
// more (starting goroutines, sharing cache lines) than it saves.
const parallelMin = 1 << 14

// inParallel runs every fn, at once on the machine's cores when big is set and there
// is more than one, else one after another. The fns write disjoint memory and each
// keeps its own order of operations, so the result is the same bits either way: the
// split never depends on the core count.
func inParallel(big bool, fns ...func()) {
	if !big || len(fns) < 2 || runtime.GOMAXPROCS(0) < 2 {
		for _, f := range fns {
			f()
		}
		return
	}
	var wg sync.WaitGroup
	for _, f := range fns[1:] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f()
		}()
	}
	fns[0]()
	wg.Wait()
}

// halves runs fn over [0, n/2) and [n/2, n), in parallel when n·width reaches
// parallelMin (width: the elements per index).
func halves(n, width int, fn func(lo, hi int)) {
	inParallel(n >= 2 && n*width >= parallelMin, func() { fn(0, n/2) }, func() { fn(n/2, n) })
}
