// Package benchstat holds what the benchmarks under scripts/ share to
// measure: nearest-rank percentiles, a process's resident memory as Linux
// reports it, and a data directory readied through the cpaudit binary.
package benchstat

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
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
func Status(field string) int64 { return StatusOf("self", field) }

// StatusOf is Status of another process ("self" or its pid).
func StatusOf(pid, field string) int64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
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

// Provision readies a data directory for a benchmark through the cpaudit
// binary's own commands, as an operator would: it makes the directory,
// then the tenant "bench", a user bench@example.cn of role, and an API
// token for it, which it returns. environ is the commands' environment
// (the storage settings); CPAUDIT_DATA is added.
func Provision(bin, dataDir string, environ []string, role string) (token string, err error) {
	// The administration commands work on an existing data directory
	// only, so that a mistyped --data is not taken for a new one.
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return "", err
	}
	environ = append(environ, "CPAUDIT_DATA="+dataDir)
	cli := func(args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env = environ
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("cpaudit %s: %v: %s", strings.Join(args, " "), err, errb.String())
		}
		return strings.TrimSpace(out.String()), nil
	}
	if _, err := cli("tenant", "create", "bench", "--name", "基准测试"); err != nil {
		return "", err
	}
	if _, err := cli("user", "create", "--tenant", "bench", "--email", "bench@example.cn", "--role", role, "--password", "benchmark-password"); err != nil {
		return "", err
	}
	return cli("token", "create", "--tenant", "bench", "--email", "bench@example.cn")
}
