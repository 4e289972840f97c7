package deploy

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"

	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/ncf"
)

// synthLife makes data shaped like synthetic-32000000 split as the feed splits it
// (RETRAIN_BENCH_ROWS overrides the 32M): 72% train, 8% validation, 20% test released
// over 20 days, ~200k users and ~84k items (ML-32M's counts).
func synthLife(total int) (*Data, error) {
	const users, items = 200_948, 84_432
	rng := rand.New(rand.NewPCG(21, 22))
	bias := make([]float64, users+1)
	for u := range bias {
		bias[u] = rng.NormFloat64() * 0.5
	}
	ts := int64(1e9)
	next := func() ratings.Rating {
		u := 1 + int(float64(users)*math.Pow(rng.Float64(), 2)) // heavy users: a power law
		u = min(u, users)
		it := 1 + rng.IntN(items)
		v := 3.5 + bias[u] + 0.3*math.Sin(float64(it)) + rng.NormFloat64()*0.8
		ts++
		return ratings.Rating{User: int32(u), Item: int32(it), Rating: float32(math.Min(5, math.Max(0.5, math.Round(v*2)/2))), Time: ts}
	}
	nTrain, nVal := total*72/100, total*8/100
	d := &Data{Dataset: fmt.Sprintf("synthetic-%d", total), Batches: map[int][]ratings.Rating{}, BatchIn: map[int]Input{}}
	d.Train = make([]ratings.Rating, nTrain)
	for i := range d.Train {
		d.Train[i] = next()
	}
	d.Val = make([]ratings.Rating, nVal)
	for i := range d.Val {
		d.Val[i] = next()
	}
	perDay := (total - nTrain - nVal) / layout.Days
	for day := 1; day <= layout.Days; day++ {
		rows := make([]ratings.Rating, perDay)
		for i := range rows {
			rows[i] = next()
		}
		d.Batches[day] = rows
		d.BatchIn[day] = Input{Key: layout.Batch(layout.Day(day))}
	}
	return d, nil
}

// BenchmarkRetrainDay is the retrain step's cost per day at ML-32M scale (synthetic):
// one NCF version built (fold-in of validation and the released days so far, then
// model.bin encoded) for day 1 and for day 20, the largest; the champion's fold-in
// strengths are tuned once per champion (reported apart as tune; the retrain step
// adopts them from a stored version after that). Each reports its CPU seconds (cpu_s,
// all threads), the heap obtained from the OS (heap_sys_MiB, runtime.MemStats.HeapSys
// after the run) and the process's peak RSS so far (peak_rss_MiB, getrusage's maxrss:
// the synthetic data held for the whole run included; /usr/bin/time -v says the same
// of the go test process tree):
//
//	nice go test ./model/deploy -run '^$' -bench RetrainDay -benchtime 1x -timeout 60m
func BenchmarkRetrainDay(b *testing.B) {
	total := 32_000_000
	if v, err := strconv.Atoi(os.Getenv("RETRAIN_BENCH_ROWS")); err == nil {
		total = v
	}
	ctx := context.Background()
	data, err := synthLife(total)
	if err != nil {
		b.Fatal(err)
	}
	m, err := ncf.New(ncf.DefaultNet(), data.Train, 1)
	if err != nil {
		b.Fatal(err)
	}
	c := &Champion{Model: ncf.Name, NCF: m}
	b.Run("tune", func(b *testing.B) {
		c0 := cpuSeconds()
		for range b.N {
			c.tuning = nil
			if err := c.tune(ctx, data); err != nil {
				b.Fatal(err)
			}
		}
		reportMemory(b, c0)
	})
	for _, day := range []int{1, layout.Days} {
		b.Run(fmt.Sprintf("day=%02d", day), func(b *testing.B) {
			var rows int
			c0 := cpuSeconds()
			for range b.N {
				_, v, bin, err := Build(ctx, c, data, day)
				if err != nil {
					b.Fatal(err)
				}
				rows = v.Metrics.RowsFoldedIn
				b.ReportMetric(float64(len(bin))/(1<<20), "model_MiB")
			}
			b.ReportMetric(float64(rows), "rows_folded_in")
			reportMemory(b, c0)
		})
	}
}

// reportMemory reports the CPU seconds per op since c0, the heap obtained from the OS
// and the process's peak RSS.
func reportMemory(b *testing.B, c0 float64) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric((cpuSeconds()-c0)/float64(b.N), "cpu_s/op")
	b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heap_sys_MiB")
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak_rss_MiB") // Linux: KiB
	}
}
