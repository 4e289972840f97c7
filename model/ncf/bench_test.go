package ncf

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/recpipe/recpipe/model/trainer"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkTrainStep measures NCF training throughput at batch 256 on an
// ml-latest-small-sized vocabulary (610 users, 9,000 items): one op is one batch
// (graph forward and backward, row-sparse gathers, lazy Adam). It reports samples/s
// of wall time and samples per CPU-second (the process's user+system time), which
// stays meaningful on a shared machine. "notes" is the net of notes/gorgonia.md
// (embeddings 32, tower 64-32-16); "config" is configs/ncf.yaml's (8, tower 16-8).
//
//	go test ./model/ncf -run '^$' -bench TrainStep -benchtime 2000x
func BenchmarkTrainStep(b *testing.B) {
	for _, c := range []struct {
		name string
		net  *Net
	}{
		{"notes", NotesNet()},
		{"config", DefaultNet()},
	} {
		b.Run(c.name, func(b *testing.B) { benchStep(b, c.net) })
	}
}

func benchStep(b *testing.B, net *Net) {
	const batch = 256
	train := synth(100_000, 610, 9_000, 11)
	m, err := New(net, train, 1)
	if err != nil {
		b.Fatal(err)
	}
	params := m.Params()
	adam := trainer.NewAdam(params, 0.9, 0.999, 1e-8)
	ex := make([]int, batch)
	ctx := context.Background()
	b.ResetTimer()
	cpu0 := cpuTime()
	for n := 0; n < b.N; n++ {
		for k := range ex {
			ex[k] = (n*batch + k*7919) % len(train)
		}
		for _, p := range params {
			p.ZeroGrad()
		}
		if _, err := m.Step(ctx, trainer.Batch{Examples: ex}); err != nil {
			b.Fatal(err)
		}
		adam.Update(params, 1e-3, 1)
	}
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "samples/s")
	b.ReportMetric(float64(b.N*batch)/cpu.Seconds(), "samples/cpu-s")
}
