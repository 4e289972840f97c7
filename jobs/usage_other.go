//go:build !unix

package jobs

import "runtime/metrics"

type usage struct {
	cpu    float64
	maxRSS int64
}

// readUsage falls back to runtime/metrics where getrusage is missing: the Go runtime's
// CPU estimate and the memory mapped by the runtime (not a true peak).
func readUsage() usage {
	s := []metrics.Sample{{Name: "/cpu/classes/total:cpu-seconds"}, {Name: "/memory/classes/total:bytes"}}
	metrics.Read(s)
	var u usage
	if s[0].Value.Kind() == metrics.KindFloat64 {
		u.cpu = s[0].Value.Float64()
	}
	if s[1].Value.Kind() == metrics.KindUint64 {
		u.maxRSS = int64(s[1].Value.Uint64())
	}
	return u
}
