package main

import (
	"context"
	"log/slog"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/scheduler"
	"github.com/cpaudit/cpaudit/storage"
)

// deadlineJob recomputes every tenant's overdue audits at start and daily
// at cfg.DeadlineTime in China time: dates pass without any event, so the
// progress kept per audit would otherwise go stale.
func deadlineJob(store *storage.Store, cfg *Config, log *slog.Logger) scheduler.Daily {
	return scheduler.Daily{
		Name: "deadlines", At: cfg.DeadlineTime, Location: cpaudit.ChinaLocation(), Log: log,
		Job: func(ctx context.Context) error {
			n, err := store.RecomputeAllDeadlines(ctx)
			if err == nil {
				log.Info("deadlines recomputed", "newly_overdue", n)
			}
			return err
		},
	}
}

// checkDeadlineTime refuses a malformed --deadline-time before serving.
func checkDeadlineTime(cfg *Config) error {
	if cfg.DeadlineTime == "" {
		return nil // the scheduler's default, 01:00
	}
	_, _, err := scheduler.ParseAt(cfg.DeadlineTime)
	return err
}
