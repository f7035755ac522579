// Package scheduler owns the work that runs beside the server: one Runner
// that starts every background task and waits for them all when the
// server stops, and the shapes of those tasks: Rounds (a worker fed by the
// outbox), Every (a periodic job) and Daily (a job at a set local time each
// day, with an injected clock so tests move time by hand).
package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Clock is the time source of a Daily job.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

func (SystemClock) Now() time.Time                         { return time.Now() }
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Daily runs Job at start and then each day at At in Location.
type Daily struct {
	Name     string
	At       string         // HH:MM, 24-hour; default 01:00
	Location *time.Location // default UTC
	Clock    Clock          // default SystemClock
	Job      func(ctx context.Context) error
	Log      *slog.Logger
}

// ParseAt checks an HH:MM time of day.
func ParseAt(at string) (hour, minute int, err error) {
	t, err := time.Parse("15:04", at)
	if err != nil {
		return 0, 0, fmt.Errorf("time of day %q: want HH:MM such as 01:00", at)
	}
	return t.Hour(), t.Minute(), nil
}

// NextRun is the first moment strictly after now that is hour:minute in loc.
func NextRun(now time.Time, hour, minute int, loc *time.Location) time.Time {
	l := now.In(loc)
	next := time.Date(l.Year(), l.Month(), l.Day(), hour, minute, 0, 0, loc)
	if !next.After(l) {
		next = time.Date(l.Year(), l.Month(), l.Day()+1, hour, minute, 0, 0, loc)
	}
	return next
}

// Run runs the job now and then daily until ctx ends. A failing run is
// logged and the next one happens as planned.
func (d Daily) Run(ctx context.Context) error {
	if d.At == "" {
		d.At = "01:00"
	}
	hour, minute, err := ParseAt(d.At)
	if err != nil {
		return err
	}
	if d.Location == nil {
		d.Location = time.UTC
	}
	if d.Clock == nil {
		d.Clock = SystemClock{}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	for {
		if err := d.Job(ctx); err != nil && ctx.Err() == nil {
			d.Log.Error("daily job failed", "job", d.Name, "err", err)
		}
		now := d.Clock.Now()
		wait := NextRun(now, hour, minute, d.Location).Sub(now)
		select {
		case <-ctx.Done():
			return nil
		case <-d.Clock.After(wait):
		}
	}
}
