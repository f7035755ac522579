package scheduler

import (
	"context"
	"sync"
	"testing"
	"time"
)

var shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

func TestNextRun(t *testing.T) {
	for _, tc := range []struct {
		now, want string
	}{
		{"2026-03-01T00:30:00+08:00", "2026-03-01T01:00:00+08:00"},
		{"2026-03-01T01:00:00+08:00", "2026-03-02T01:00:00+08:00"}, // exactly at: the next day
		{"2026-03-01T23:59:00+08:00", "2026-03-02T01:00:00+08:00"},
		{"2026-02-28T18:00:00Z", "2026-03-02T01:00:00+08:00"}, // 02:00 on 1 March in Shanghai
		{"2026-12-31T17:30:00Z", "2027-01-02T01:00:00+08:00"},
	} {
		now, _ := time.Parse(time.RFC3339, tc.now)
		want, _ := time.Parse(time.RFC3339, tc.want)
		if got := NextRun(now, 1, 0, shanghai); !got.Equal(want) {
			t.Errorf("NextRun(%s) = %s, want %s", tc.now, got, want)
		}
	}
	if _, _, err := ParseAt("25:00"); err == nil {
		t.Error("ParseAt(25:00) accepted")
	}
}

// fakeClock moves only when the test fires it: After hands out a channel
// and records the wait; fire advances the time by that wait.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits chan time.Duration
	fire  chan time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.waits <- d
	return c.fire
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	t := c.now
	c.mu.Unlock()
	c.fire <- t
}

func TestDailyRunsAtStartThenDaily(t *testing.T) {
	start, _ := time.Parse(time.RFC3339, "2026-03-01T15:00:00+08:00")
	clock := &fakeClock{now: start, waits: make(chan time.Duration), fire: make(chan time.Time)}
	runs := make(chan time.Time, 10)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Daily{At: "01:00", Location: shanghai, Clock: clock, Job: func(context.Context) error {
			runs <- clock.Now()
			return nil
		}}.Run(ctx)
	}()
	want := []string{"2026-03-01T15:00:00+08:00", "2026-03-02T01:00:00+08:00", "2026-03-03T01:00:00+08:00"}
	for i, w := range want {
		got := <-runs
		if got.In(shanghai).Format(time.RFC3339) != w {
			t.Errorf("run %d at %s, want %s", i, got.In(shanghai).Format(time.RFC3339), w)
		}
		wait := <-clock.waits
		if i < len(want)-1 {
			clock.advance(wait)
		}
	}
	cancel()
	<-done
}
