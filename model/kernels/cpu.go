package kernels

import (
	"runtime"
	"sync"
)

// CPU is the plain-Go Backend. Workers split the batch; each keeps its own parameter
// gradient accumulators, summed at the end, so results do not depend on scheduling.
type CPU struct {
	// Workers is the number of goroutines (0: GOMAXPROCS).
	Workers int
}

var _ Backend = CPU{}

func (c CPU) workers(b int) int {
	w := c.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	return max(1, min(w, b))
}

// parallel runs fn(worker, lo, hi) over [0,n) in w contiguous chunks.
func parallel(n, w int, fn func(worker, lo, hi int)) {
	if w == 1 {
		fn(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for k := 0; k < w; k++ {
		lo, hi := k*n/w, (k+1)*n/w
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(k, lo, hi)
		}()
	}
	wg.Wait()
}

// addInto adds src into dst element-wise.
func addInto(dst, src []float32) {
	for i, v := range src {
		dst[i] += v
	}
}
