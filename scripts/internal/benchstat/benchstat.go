// Package benchstat holds what the benchmarks under scripts/ share to
// measure: nearest-rank percentiles and the process's resident memory as
// Linux reports it.
package benchstat

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Percentile is the nearest-rank p-th percentile (0..100) of ds, which it
// leaves unsorted; 0 for no samples.
func Percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(0, min(len(s)-1, i-1))]
}

// ResetPeak resets the process's peak resident set (writing 5 to
// /proc/self/clear_refs), so that Peak measures from now.
func ResetPeak() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// Peak is the peak resident set, in bytes, since the last ResetPeak.
func Peak() int64 { return Status("VmHWM:") }

// Status reads one "kB" field of /proc/self/status (VmRSS:, RssAnon:, …)
// in bytes; 0 when it cannot.
func Status(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
