//go:build unix

package jobs

import (
	"runtime"
	"syscall"
)

type usage struct {
	cpu    float64 // user + system seconds of the process
	maxRSS int64   // bytes
}

func readUsage() usage {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return usage{}
	}
	rss := int64(ru.Maxrss)
	if runtime.GOOS != "darwin" { // Linux and the BSDs report kilobytes, macOS bytes
		rss *= 1024
	}
	return usage{
		cpu:    tv(ru.Utime) + tv(ru.Stime),
		maxRSS: rss,
	}
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
