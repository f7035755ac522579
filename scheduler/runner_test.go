package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

// TestRunner: every task runs, Run waits for all of them once the context
// ends, and a task that panics does not take the others down.
func TestRunner(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var rounds, ticks, stopped atomic.Int32
	work := 3 // rounds with work before the queue runs dry
	r := NewRunner(nil)
	r.Add("rounds", Rounds(time.Hour, discard, "test", func(context.Context) (int, error) {
		if rounds.Add(1) <= int32(work) {
			return 1, nil // found work: again at once
		}
		return 0, nil // idle: waits for the poll (an hour)
	}))
	r.Add("every", Every(time.Millisecond, discard, "test", func(context.Context) error {
		ticks.Add(1)
		return errors.New("failed, and runs again as planned")
	}))
	r.Add("panics", func(context.Context) { panic("a bug") })
	r.Add("waits", func(ctx context.Context) { <-ctx.Done(); time.Sleep(10 * time.Millisecond); stopped.Add(1) })
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for ticks.Load() < 3 || rounds.Load() < int32(work)+1 {
		if time.Now().After(deadline) {
			t.Fatalf("rounds %d, ticks %d", rounds.Load(), ticks.Load())
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if stopped.Load() != 1 {
		t.Error("Run returned before a task had finished stopping")
	}
	if got := rounds.Load(); got != int32(work)+1 {
		t.Errorf("%d rounds, want %d: again at once while there is work, then wait for the poll", got, work+1)
	}
}

var discard = slog.New(slog.DiscardHandler)
