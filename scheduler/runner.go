package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

// Runner runs the server's background work side by side until its context
// ends, then waits for all of it: text extraction, indexing and analysis
// (rounds over the outbox), letters, garbage collection and the daily
// deadline job. cmd/cpaudit starts one Runner, so what runs beside the
// server is listed in one place and stops in one place.
type Runner struct {
	log   *slog.Logger
	tasks []task
}

type task struct {
	name string
	run  func(ctx context.Context)
}

// NewRunner returns an empty runner that logs to log (nil: nowhere).
func NewRunner(log *slog.Logger) *Runner {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{log: log}
}

// Add registers run, which must return once its context ends.
func (r *Runner) Add(name string, run func(ctx context.Context)) {
	r.tasks = append(r.tasks, task{name, run})
}

// Run starts every task and returns when all have returned, which they do
// once ctx ends. A task that panics is logged and not restarted: the rest
// of the server goes on, and the panic is a bug to fix, not to hide in a
// loop.
func (r *Runner) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, t := range r.tasks {
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					r.log.Error("background task crashed", "task", t.name, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				}
			}()
			t.run(ctx)
		})
	}
	wg.Wait()
}

// Rounds is the loop of a worker fed by the outbox: it calls once until
// ctx ends, again at once while once finds work, after poll when it finds
// none or fails (the failure logged under what).
func Rounds(poll time.Duration, log *slog.Logger, what string, once func(context.Context) (int, error)) func(context.Context) {
	return func(ctx context.Context) {
		for {
			n, err := once(ctx)
			if err != nil && ctx.Err() == nil {
				log.Error(what+" round failed", "err", err)
			}
			if n > 0 && err == nil {
				continue // more may be waiting
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(poll):
			}
		}
	}
}

// Every runs job at once and then every interval until ctx ends; a
// failure is logged under what and the next run happens as planned.
func Every(interval time.Duration, log *slog.Logger, what string, job func(context.Context) error) func(context.Context) {
	return func(ctx context.Context) {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			if err := job(ctx); err != nil && ctx.Err() == nil {
				log.Error(what+" failed", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}
}
