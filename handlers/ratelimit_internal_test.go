package handlers

import (
	"fmt"
	"testing"
	"time"
)

func TestLoginThrottleDelays(t *testing.T) {
	d := delays{free: 3, first: time.Second, most: 15 * time.Minute}
	for n, want := range map[int]time.Duration{0: 0, 2: 0, 3: time.Second, 4: 2 * time.Second, 12: 512 * time.Second, 13: 15 * time.Minute, 1000: 15 * time.Minute} {
		if got := d.after(n); got != want {
			t.Errorf("after(%d) = %v, want %v", n, got, want)
		}
	}
}

// TestLoginThrottleForgetsAndIsBounded: counts go after a quiet hour, and
// a full table drops its quietest entries, not the newest.
func TestLoginThrottleForgetsAndIsBounded(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	l := newLoginThrottle(func() time.Time { return now })
	for range 5 {
		l.failed("10.0.0.1", "hebei", "a@b.cn")
	}
	if w := l.wait("10.0.0.1", "hebei", "a@b.cn"); w != 4*time.Second {
		t.Errorf("wait after 5 failures: %v, want 4s", w)
	}
	if w := l.wait("10.0.0.2", "hebei", "a@b.cn"); w != 0 {
		t.Errorf("another address waits %v", w)
	}
	now = now.Add(time.Hour)
	if w := l.wait("10.0.0.1", "hebei", "a@b.cn"); w != 0 {
		t.Errorf("wait after a quiet hour: %v, want none", w)
	}
	l.failed("10.0.0.1", "hebei", "a@b.cn")
	if f := l.entries[pairKey("10.0.0.1", "hebei", "a@b.cn")]; f.n != 1 {
		t.Errorf("count after a quiet hour: %d, want 1", f.n)
	}

	l.max = 100
	for i := range 1000 {
		now = now.Add(time.Millisecond)
		l.failed(fmt.Sprintf("10.1.%d.%d", i/256, i%256), "hebei", "a@b.cn")
		if len(l.entries) > l.max {
			t.Fatalf("%d entries, more than %d", len(l.entries), l.max)
		}
	}
	for range 4 {
		l.failed("10.9.9.9", "hebei", "a@b.cn")
	}
	if w := l.wait("10.9.9.9", "hebei", "a@b.cn"); w != 2*time.Second {
		t.Errorf("the newest entry was evicted: wait %v, want 2s", w)
	}
}
