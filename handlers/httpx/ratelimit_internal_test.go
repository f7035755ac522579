package httpx

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
	l := NewLoginThrottle(func() time.Time { return now })
	for i := range 3 {
		if w := l.Admit("10.0.0.1", "hebei", "a@b.cn"); w != 0 {
			t.Fatalf("attempt %d waits %v", i+1, w)
		}
	}
	// A burst sent at once: the first passes, the rest must wait.
	now = now.Add(time.Second)
	if w := l.Admit("10.0.0.1", "hebei", "a@b.cn"); w != 0 {
		t.Errorf("4th attempt, 1 s later, waits %v", w)
	}
	for range 3 {
		if w := l.Admit("10.0.0.1", "hebei", "a@b.cn"); w != 2*time.Second {
			t.Errorf("attempt right after the 4th failure waits %v, want 2s", w)
		}
	}
	if w := l.Admit("10.0.0.2", "hebei", "a@b.cn"); w != 0 {
		t.Errorf("another address waits %v", w)
	}
	now = now.Add(time.Hour)
	if w := l.Admit("10.0.0.1", "hebei", "a@b.cn"); w != 0 {
		t.Errorf("wait after a quiet hour: %v, want none", w)
	}
	if f := l.entries[pairKey("10.0.0.1", "hebei", "a@b.cn")]; f.n != 1 {
		t.Errorf("count after a quiet hour: %d, want 1", f.n)
	}
	// A success takes its attempt back: an office's logins from one
	// address never add up to a delay.
	for i := range 100 {
		if w := l.Admit("10.0.0.3", "hebei", fmt.Sprintf("u%d@b.cn", i)); w != 0 {
			t.Fatalf("login %d from the office waits %v", i, w)
		}
		l.Succeeded("10.0.0.3", "hebei", fmt.Sprintf("u%d@b.cn", i))
	}

	l.max = 100
	for i := range 1000 {
		now = now.Add(time.Millisecond)
		l.Admit(fmt.Sprintf("10.1.%d.%d", i/256, i%256), "hebei", "a@b.cn")
		if len(l.entries) > l.max {
			t.Fatalf("%d entries, more than %d", len(l.entries), l.max)
		}
	}
	for range 3 {
		l.Admit("10.9.9.9", "hebei", "a@b.cn")
	}
	if w := l.Admit("10.9.9.9", "hebei", "a@b.cn"); w != time.Second {
		t.Errorf("the newest entry was evicted: wait %v, want 1s", w)
	}
}
