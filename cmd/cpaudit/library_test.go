package main

import (
	"strings"
	"testing"
)

// TestTenantCreateLibrary: --library creates the guideline library, with
// the flag before or after the slug; a second library is refused with a
// one-line reason naming the first, and plain tenants are still created.
func TestTenantCreateLibrary(t *testing.T) {
	data := t.TempDir()
	out := mustCLI(t, "tenant", "create", "guides", "--library", "--name", "清洁生产审核指南库", "--data", data)
	if !strings.Contains(out, "guideline library guides") {
		t.Errorf("stdout %q, want it to say a guideline library was created", out)
	}
	mustCLI(t, "tenant", "create", "hebei", "--name", "河北省生态环境厅", "--data", data)
	for _, args := range [][]string{
		{"tenant", "create", "more-guides", "--name", "另一个指南库", "--library", "--data", data},
		{"tenant", "create", "--library", "hebei2", "--name", "河北", "--data", data},
	} {
		out, stderr, err := cli(t, nil, args...)
		if err == nil {
			t.Fatalf("cpaudit %q succeeded: %s", args, out)
		}
		if msg := oneLine(err); !strings.Contains(msg, "already has a guideline library") || !strings.Contains(msg, "guides") || strings.Contains(err.Error(), "\n") {
			t.Errorf("cpaudit %q: %q (stderr %q), want one line naming the library", args, err, stderr)
		}
	}
	// The refused slug is free: it was never listed.
	mustCLI(t, "tenant", "create", "more-guides", "--name", "普通租户", "--data", data)
}
