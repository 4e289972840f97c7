package traingpu

import (
	"log/slog"
	"os"
	"runtime/debug"
)

// MemoryLimit is the Go runtime's soft memory limit that train-gpu sets unless
// GOMEMLIMIT is in the environment (which then rules, as the runtime reads it).
//
// A training run holds its data (the splits, the validation history, the model's
// examples) for its whole life and allocates per batch on top, so with the default
// GOGC=100 the heap grows to twice what is live before each collection. At ML-32M
// scale (synthetic-32000000, one epoch) 1.6–2.05 GB is live (GODEBUG=gctrace=1), so
// doubling would pass 3 GiB; under the limit the collector runs when the heap nears
// 2.5 GiB instead: every 14–24 s of SS4Rec's training, each concurrent mark under
// 0.2 s (the data is mostly flat pointer-free slices), 65 collections in the run.
// SS4Rec's run peaked at 2585 MiB RSS (3095 MiB under a 3 GiB limit; CPU 945 s and
// 925 s for the whole run), under the 4 GiB that `make bench-life` requires of every
// stage. The limit is soft: a run whose live data exceeds it still completes,
// collecting more often.
const MemoryLimit = 2560 << 20

// setMemoryLimit applies MemoryLimit unless GOMEMLIMIT is set.
func setMemoryLimit(log *slog.Logger) {
	if v, ok := os.LookupEnv("GOMEMLIMIT"); ok {
		log.Debug("soft memory limit from the environment", "GOMEMLIMIT", v)
		return
	}
	debug.SetMemoryLimit(MemoryLimit)
	log.Debug("soft memory limit", "bytes", int64(MemoryLimit))
}
